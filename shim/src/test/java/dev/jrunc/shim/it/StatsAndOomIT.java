package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jrunc.shim.json.Json;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Stats and OOM through containerd and ctr: {@code ctr task metrics} shows the container's own cgroup figures,
 * as the Go shim's do, and a container killed by the OOM killer yields /tasks/oom before its /tasks/exit.
 */
@WithPrivateContainerd
class StatsAndOomIT {
    private static final String JRUNC = Containerd.JRUNC_RUNTIME;
    private static final String GO = Containerd.GO_RUNTIME;
    private static final String LIMIT = "33554432"; // 32 MiB
    /** Three processes: the shell and two sleeps, so that pids.current has something to count. */
    private static final String[] THREE_PROCESSES = {"sh", "-c", "sleep 600 & sleep 600 & wait"};
    /**
     * Doubles a string until the memory limit stops it. The short sleep first: both shims start watching for
     * OOM kills only once Start has returned, and a hog that dies within milliseconds can beat that.
     */
    private static final String[] MEMORY_HOG = {"sh", "-c", "sleep 1; x=a; while true; do x=\"$x$x\"; done"};

    @Test
    void metricsShowTheContainersCgroupLikeTheGoShim(Containerd containerd) throws Exception {
        try {
            runDetached(containerd, JRUNC, "met-j", LIMIT, THREE_PROCESSES);
            runDetached(containerd, GO, "met-go", LIMIT, THREE_PROCESSES);
            Procs.await("three processes in each container", () -> tasksIn(containerd, "met-j") == 3
                    && tasksIn(containerd, "met-go") == 3);

            Map<String, String> ours = table(containerd.ctr("task", "metrics", "met-j").assertOk());
            Map<String, String> go = table(containerd.ctr("task", "metrics", "met-go").assertOk());

            assertEquals(List.copyOf(go.keySet()), List.copyOf(ours.keySet()),
                    "the same METRIC rows: the same Metrics message (v1 or v2) reached ctr");
            assertEquals("3", ours.get("pids.current"), ours::toString);
            if (ours.containsKey("memory.limit_in_bytes")) { // cgroup v1 figures
                assertEquals(LIMIT, ours.get("memory.limit_in_bytes"), ours::toString);
                assertTrue(Long.parseLong(ours.get("memory.usage_in_bytes")) > 0, ours::toString);
                assertTrue(Long.parseLong(ours.get("cpuacct.usage")) > 0, ours::toString);
                assertTrue(ours.get("cpuacct.usage_percpu").matches("\\[\\d+( \\d+)*\\]"), ours::toString);
            } else { // cgroup v2 figures
                assertEquals(LIMIT, ours.get("memory.usage_limit"), ours::toString);
                assertTrue(Long.parseLong(ours.get("memory.usage")) > 0, ours::toString);
                assertTrue(Long.parseLong(ours.get("cpu.usage_usec")) > 0, ours::toString);
            }
            assertEquals(go.get("pids.limit"), ours.get("pids.limit"), "no pids limit, written the same way");

            // Field by field where the two containers must agree: their limits.
            Object ourJson = json(containerd.ctr("task", "metrics", "--format", "json", "met-j").assertOk());
            Object goJson = json(containerd.ctr("task", "metrics", "--format", "json", "met-go").assertOk());
            assertEquals(keys(goJson), keys(ourJson), "the same top-level parts");
            for (String[] limit : List.of(new String[] {"memory", "usage", "limit"}, new String[] {"memory", "swap", "limit"},
                    new String[] {"memory", "kernel", "limit"}, new String[] {"memory", "kernel_tcp", "limit"},
                    new String[] {"memory", "hierarchical_memory_limit"}, new String[] {"memory", "hierarchical_swap_limit"},
                    new String[] {"memory", "usage_limit"}, new String[] {"memory", "swap_limit"},
                    new String[] {"pids", "current"}, new String[] {"pids", "limit"})) {
                assertEquals(Json.path(goJson, limit), Json.path(ourJson, limit), String.join(".", limit));
            }

            // A stopped task that is not deleted yet still has metrics, as with the Go shim.
            containerd.ctr("task", "kill", "-s", "SIGKILL", "met-j").assertOk();
            Procs.await("met-j stopped", () -> "STOPPED".equals(Procs.taskStatus(containerd, "met-j")));
            CtrResult stopped = containerd.ctr("task", "metrics", "met-j");
            assertEquals(0, stopped.exitCode(), "metrics of a stopped task: " + stopped);
        } finally {
            remove(containerd, "met-j");
            remove(containerd, "met-go");
        }
    }

    @Test
    void anOomKillIsPublishedBeforeTheExit(Containerd containerd) throws Exception {
        Path eventsFile = containerd.dir().resolve("events-oom.txt");
        Process events = containerd.ctrInBackground(eventsFile, "events");
        Thread.sleep(300); // ctr subscribes asynchronously

        CtrResult hog = run(containerd, "oom-j", "16777216", MEMORY_HOG);
        CtrResult modest = run(containerd, "no-oom-j", "16777216", "sh", "-c", "sleep 1; x=a; x=\"$x$x\"; exit 0");

        assertEquals(137, hog.exitCode(), hog::toString);
        assertEquals(0, modest.exitCode(), modest::toString);
        Procs.await("/tasks/delete of both containers", () -> topics(Containerd.readFile(eventsFile), "no-oom-j")
                .contains("/tasks/delete") && topics(Containerd.readFile(eventsFile), "oom-j").contains("/tasks/delete"));
        events.destroy();
        String text = Containerd.readFile(eventsFile);

        List<String> hogTopics = topics(text, "oom-j");
        assertTrue(hogTopics.contains("/tasks/oom"), () -> "no /tasks/oom for oom-j in:\n" + text);
        assertTrue(hogTopics.indexOf("/tasks/oom") < hogTopics.indexOf("/tasks/exit"),
                () -> "/tasks/oom must come before /tasks/exit: " + hogTopics);
        assertTrue(hogTopics.indexOf("/tasks/start") < hogTopics.indexOf("/tasks/oom"), hogTopics::toString);
        assertTrue(text.lines().anyMatch(l -> l.contains("/tasks/exit") && l.contains("\"oom-j\"")
                && l.contains("\"exit_status\":137")), text);
        assertFalse(topics(text, "no-oom-j").contains("/tasks/oom"),
                () -> "a container that exited normally got /tasks/oom:\n" + text);
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static void runDetached(Containerd containerd, String runtime, String id, String memoryLimit, String... command) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--runtime", runtime, "--memory-limit", memoryLimit,
                "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), id));
        args.addAll(List.of(command));
        containerd.ctr(args.toArray(String[]::new)).assertOk();
    }

    private static CtrResult run(Containerd containerd, String id, String memoryLimit, String... command) {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime", JRUNC, "--memory-limit", memoryLimit,
                "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), id));
        args.addAll(List.of(command));
        return containerd.ctr(args.toArray(String[]::new));
    }

    /** How many processes {@code ctr task ps} lists for the container. */
    private static int tasksIn(Containerd containerd, String id) {
        CtrResult ps = containerd.ctr("task", "ps", id);
        return ps.ok() ? ps.stdoutLines().size() - 1 : -1; // minus the header
    }

    /** The METRIC/VALUE table of {@code ctr task metrics}: the rows after the "METRIC VALUE" header. */
    private static Map<String, String> table(CtrResult metrics) {
        Map<String, String> rows = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : metrics.stdoutLines()) {
            if (line.startsWith("METRIC")) {
                inTable = true;
                continue;
            }
            if (inTable) {
                String[] cells = line.trim().split("\\s+", 2);
                rows.put(cells[0], cells.length > 1 ? cells[1].trim() : "");
            }
        }
        assertFalse(rows.isEmpty(), metrics::toString);
        return rows;
    }

    /**
     * {@code ctr task metrics --format json}. 2^64-1 (v2's "max") does not fit our JSON reader's long; it is the
     * only value that large, so it is read as -1 (the same 64 bits).
     */
    private static Object json(CtrResult metrics) {
        return Json.parse(metrics.stdout().replace("18446744073709551615", "-1"));
    }

    private static List<String> keys(Object json) {
        return ((Map<?, ?>) json).keySet().stream().map(Object::toString).sorted().toList();
    }

    /** The /tasks/... topics of one container in {@code ctr events} output, in order. */
    private static List<String> topics(String events, String id) {
        List<String> topics = new ArrayList<>();
        for (String line : events.split("\n")) {
            if (line.contains("\"" + id + "\"") && line.contains(" /tasks/")) {
                topics.add(line.substring(line.indexOf(" /tasks/") + 1).split(" ")[0]);
            }
        }
        return topics;
    }

    private static void remove(Containerd containerd, String id) {
        containerd.ctr("task", "kill", "-s", "SIGKILL", id);
        try {
            Procs.await(id + " stopped", () -> !"RUNNING".equals(Procs.taskStatus(containerd, id)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (AssertionError e) {
            // fall through: the fixture's stop removes whatever is left
        }
        containerd.ctr("task", "rm", id);
        containerd.ctr("container", "rm", id);
    }
}
