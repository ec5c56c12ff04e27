package lab10_kubelet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Posix;
import kit.Lab;
import kit.Procs;
import kit.Sh;

/**
 * {@code ctr events} running in the background for the whole lab, its lines kept in a file. The task events in it
 * ({@code /tasks/create}, {@code /tasks/exec-added}, {@code /tasks/exit}, {@code /tasks/delete}, …) are published by
 * the shims: each one is the trace of a call containerd made to a shim.
 */
final class ContainerdEvents {
    /** "2026-12-05 21:55:44.397999888 +0000 UTC k8s.io /tasks/exit {…}" */
    private static final Pattern LINE = Pattern.compile("^\\S+ \\S+ \\S+ \\S+ (\\S+) (/\\S+) (\\{.*\\})$");

    /** One event: its topic and its fields (container_id, exec_id, id, pid, exit_status, …). */
    record Event(String topic, Map<String, Object> fields) {
        String text(String field) {
            Object v = fields.get(field);
            return v == null ? "" : v.toString();
        }

        /** exit_status is left out of the JSON when it is 0, as protobuf leaves out every zero value. */
        long exitStatus() {
            return fields.get("exit_status") instanceof Number n ? n.longValue() : 0;
        }
    }

    private final Path file;
    private final int pid;

    private ContainerdEvents(Path file, int pid) {
        this.file = file;
        this.pid = pid;
    }

    /**
     * Starts {@code ctr events} against the containerd at {@code address} (stopped by the lab's clean-up), and
     * returns once it receives: it must see a namespace the lab creates and removes for the purpose.
     */
    static ContainerdEvents start(Lab lab, String ctr, String address, Path file) throws Exception {
        int pid = Sh.background(List.of(ctr, "--address", address, "events"), file);
        ContainerdEvents events = new ContainerdEvents(file, pid);
        lab.cleanup("stopped ctr events", events::stop);
        lab.await("ctr events runs (pid " + pid + ")", () -> Procs.settled(pid, "ctr"));
        lab.await("ctr events receives (it shows a namespace being created)", () -> {
            Sh.run(ctr, "--address", address, "namespaces", "create", "lab10-hello");
            Sh.run(ctr, "--address", address, "namespaces", "remove", "lab10-hello");
            try {
                return !events.matching(e -> e.topic().equals("/namespaces/delete")).isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
        return events;
    }

    /** The events so far that match, in the order containerd published them. */
    List<Event> matching(Predicate<Event> which) throws IOException {
        List<Event> found = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = (Map<String, Object>) Json.parse(m.group(3));
            Event e = new Event(m.group(2), fields);
            if (which.test(e)) {
                found.add(e);
            }
        }
        return found;
    }

    private void stop() throws Exception {
        if (Procs.alive(pid)) {
            Posix.kill(pid, Posix.SIGTERM);
            Procs.await(10_000, () -> !Procs.alive(pid));
        }
    }
}
