package dev.jrunc.shim.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;

/** What the tests read from /proc and from ctr: parents, states, the shim of a task. */
final class Procs {

    private Procs() {
    }

    /** {@code /proc/<pid>/stat} fields after the command name: index 0 is the state, 1 the parent pid. */
    private static String[] stat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return null;
        }
    }

    static long ppid(long pid) {
        String[] stat = stat(pid);
        return stat == null ? -1 : Long.parseLong(stat[1]);
    }

    /** One letter: R, S, D, Z (zombie), …; null if there is no such process. */
    static String state(long pid) {
        String[] stat = stat(pid);
        return stat == null ? null : stat[0];
    }

    static List<Long> children(long parent) {
        List<Long> children = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).filter(pid -> ppid(pid) == parent).forEach(children::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return children;
    }

    /**
     * A process's arguments without trailing empty ones: the shim rewrites its argv in place (as setproctitle
     * does) and, unless it may shrink the argv area, pads the rest with NULs.
     */
    static List<String> arguments(long pid) {
        List<String> args = new ArrayList<>(Testkit.cmdline(pid));
        while (!args.isEmpty() && args.get(args.size() - 1).isEmpty()) {
            args.remove(args.size() - 1);
        }
        return args;
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
        return Testkit.pidsWithCmdlineContaining("-address " + containerd.address()).stream()
                .filter(pid -> Testkit.cmdline(pid).stream().findFirst().orElse("").contains(program))
                .toList();
    }

    /**
     * Whether the process has a handler for {@code signal} (its bit in {@code SigCgt} of /proc/PID/status): a shell
     * has run its {@code trap} for it. A container's init without a handler ignores signals sent from outside.
     */
    static boolean catches(long pid, int signal) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("SigCgt:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << (signal - 1))) != 0;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
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
