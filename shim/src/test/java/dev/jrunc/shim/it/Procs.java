package dev.jrunc.shim.it;

import java.util.List;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;

/**
 * What the tests read from /proc and from ctr: parents, states, the shim of a task. /proc is read by the kit's
 * {@link kit.Procs} (the labs' reader too); this adds pids as {@code long}, ctr's view of a task and waits that fail
 * a test with what they waited for.
 */
final class Procs {

    private Procs() {
    }

    static long ppid(long pid) {
        return kit.Procs.ppid(pid);
    }

    /** One letter: R, S, D, Z (zombie), …; null if there is no such process. */
    static String state(long pid) {
        return kit.Procs.state(pid);
    }

    static List<Long> children(long parent) {
        return kit.Procs.children(parent).stream().map(Integer::longValue).toList();
    }

    /** A process's arguments without the trailing empty ones the shim's rewritten argv leaves (see kit.Procs). */
    static List<String> arguments(long pid) {
        return kit.Procs.arguments(pid);
    }

    /** The task's pid from {@code ctr task ls}, or -1. */
    static long taskPid(Containerd containerd, String id) {
        return Long.parseLong(taskColumn(containerd, id, 1, "-1"));
    }

    static String taskStatus(Containerd containerd, String id) {
        return taskColumn(containerd, id, 2, "");
    }

    private static String taskColumn(Containerd containerd, String id, int column, String missing) {
        CtrResult tasks = containerd.ctr("task", "ls").assertOk();
        for (String line : tasks.stdoutLines()) {
            String[] cells = line.trim().split("\\s+");
            if (cells.length >= 3 && cells[0].equals(id)) {
                return cells[column];
            }
        }
        return missing;
    }

    /** Shim daemons serving this containerd: found by the unique containerd address in their command line. */
    static List<Long> shims(Containerd containerd) {
        return shims(containerd, "containerd-shim-jrunc-v2");
    }

    /** The same for one program name; a process gone between listing and reading (empty cmdline) is not one. */
    static List<Long> shims(Containerd containerd, String program) {
        return kit.Procs.withCommandLineContaining("-address " + containerd.address()).stream()
                .filter(pid -> kit.Procs.arguments(pid).stream().findFirst().orElse("").contains(program))
                .map(Integer::longValue).toList();
    }

    /** Whether the process has a handler for {@code signal} (see kit.Procs#catches). */
    static boolean catches(long pid, int signal) {
        return kit.Procs.catches(pid, signal);
    }

    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        await(what, java.time.Duration.ofSeconds(20), condition);
    }

    /** Like {@link #await(String, java.util.function.BooleanSupplier)}, for steps that take longer on a busy machine. */
    static void await(String what, java.time.Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting until " + what);
            }
            Thread.sleep(50);
        }
    }
}
