package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.events.TaskStart;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.ContainerdEvents;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;
import dev.jrunc.testkit.proto.Envelope;

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
    private static final int SIGUSR1 = 10;

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

    /**
     * Events through containerd's events API, on a subscription proven ready. Each container fills its memory (or
     * not) only on SIGUSR1, sent once /tasks/start is out (the shim watches for OOM kills before it publishes that)
     * and the container's shell has set its trap.
     */
    @Test
    void anOomKillIsPublishedBeforeTheExit(Containerd containerd) throws Exception {
        try (ContainerdEvents events = ContainerdEvents.subscribe(containerd)) {
            String from = events.mark("oom");
            CtrResult hog = runUntilSignalled(containerd, events, from, "oom-j", "x=a; while true; do x=$x$x; done");
            CtrResult modest = runUntilSignalled(containerd, events, from, "no-oom-j", "x=a; x=$x$x; exit 0");
            assertEquals(137, hog.exitCode(), hog::toString);
            assertEquals(0, modest.exitCode(), modest::toString);
            for (String id : List.of("oom-j", "no-oom-j")) {   // the shim publishes them after Delete has answered
                events.await("/tasks/delete of " + id, from, e -> e.getTopic().equals("/tasks/delete")
                        && containerId(e).equals(id), Duration.ofMinutes(2));
            }
            List<Envelope> recorded = events.between(from, events.mark("oom done"));

            List<String> hogTopics = topics(recorded, "oom-j");
            assertTrue(hogTopics.contains("/tasks/oom"), () -> "no /tasks/oom for oom-j: " + hogTopics);
            assertTrue(hogTopics.indexOf("/tasks/oom") < hogTopics.indexOf("/tasks/exit"),
                    () -> "/tasks/oom must come before /tasks/exit: " + hogTopics);
            assertTrue(hogTopics.indexOf("/tasks/start") < hogTopics.indexOf("/tasks/oom"), hogTopics::toString);
            TaskExit exit = recorded.stream().filter(e -> e.getTopic().equals("/tasks/exit") && containerId(e).equals("oom-j"))
                    .map(StatsAndOomIT::exit).findFirst().orElseThrow();
            assertEquals(137, exit.getExitStatus(), exit::toString);
            assertFalse(topics(recorded, "no-oom-j").contains("/tasks/oom"),
                    () -> "a container that exited normally got /tasks/oom: " + topics(recorded, "no-oom-j"));
        }
    }

    /** {@code ctr run --rm} of a shell that runs {@code action} on SIGUSR1, and the signal once that is safe. */
    private static CtrResult runUntilSignalled(Containerd containerd, ContainerdEvents events, String from, String id,
            String action) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime", JRUNC, "--memory-limit", "16777216",
                "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), id,
                "sh", "-c", "trap '" + action + "' USR1; while :; do sleep 1; done"));
        Path out = containerd.dir().resolve(id + ".out");
        Process ctr = containerd.ctrInBackground(out, args.toArray(String[]::new));
        Envelope start = events.await("/tasks/start of " + id, from, e -> e.getTopic().equals("/tasks/start")
                && containerId(e).equals(id), Duration.ofMinutes(2));
        long pid = TaskStart.parseFrom(start.getEvent().getValue()).getPid();
        Procs.await(id + "'s shell traps USR1", Duration.ofMinutes(2), () -> Procs.catches(pid, SIGUSR1));
        containerd.ctr("task", "kill", "-s", "SIGUSR1", id).assertOk();
        if (!ctr.waitFor(3, TimeUnit.MINUTES)) {   // the OOM killer may take long on a busy machine
            throw new AssertionError("ctr run " + id + " did not finish");
        }
        return new CtrResult(ctr.exitValue(), Containerd.readFile(out),
                Containerd.readFile(out.resolveSibling(out.getFileName() + ".stderr")), args);
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static void runDetached(Containerd containerd, String runtime, String id, String memoryLimit, String... command) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--runtime", runtime, "--memory-limit", memoryLimit,
                "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), id));
        args.addAll(List.of(command));
        containerd.ctr(args.toArray(String[]::new)).assertOk();
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

    /** The /tasks/… topics of one container's events, in order. */
    private static List<String> topics(List<Envelope> events, String id) {
        return events.stream().filter(e -> e.getTopic().startsWith("/tasks/") && containerId(e).equals(id))
                .map(Envelope::getTopic).toList();
    }

    /** Field 1 of every task event is the container id. */
    private static String containerId(Envelope envelope) {
        try {
            UnknownFieldSet.Field first = UnknownFieldSet.parseFrom(envelope.getEvent().getValue()).getField(1);
            return first.getLengthDelimitedList().isEmpty() ? "" : first.getLengthDelimitedList().get(0).toStringUtf8();
        } catch (InvalidProtocolBufferException e) {
            return "";
        }
    }

    private static TaskExit exit(Envelope envelope) {
        try {
            return TaskExit.parseFrom(envelope.getEvent().getValue());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
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
