package kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * What {@code ps} knows about a process, read from {@code /proc/<pid>/stat}, {@code status} and {@code cmdline}
 * the way {@code ps} itself reads it. Reading files, not running {@code ps}, is safe in a lab that reaps every
 * child (lab 04 explains why a reaping process must not run programs through the JDK).
 *
 * <p>The one /proc reader of the project: the labs, the shim's tests and the benchmark all read processes here.
 * A pid may be passed as a {@code long} (what ctr, CRI and {@link ProcessHandle} give); pids come back as
 * {@code int}, which every pid fits in (the kernel's pid_max is at most 2^22).
 */
public final class Procs {

    private Procs() {
    }

    /**
     * One process, as seen at one moment. {@code state} is ps's one letter: R, S, D, T, Z (zombie), …
     * {@code startTicks} is when it started, in clock ticks after boot: the order processes came in, which their
     * pids stop telling once pids wrap around at pid_max (32768 here) and start again from low numbers.
     */
    public record Proc(int pid, int ppid, int pgid, int sid, char state, int threads, String comm, List<String> args,
            long startTicks) {

        /** ps's STAT column without the terminal-dependent flags: state, s = session leader, l = threads. */
        public String stat() {
            return state + (sid == pid ? "s" : "") + (threads > 1 ? "l" : "");
        }

        /** ps's COMMAND: the arguments, or [comm] when there are none (a zombie has none). */
        public String command() {
            return args.isEmpty() ? "[" + comm + "]" + (state == 'Z' ? " <defunct>" : "") : String.join(" ", args);
        }

        public boolean zombie() {
            return state == 'Z';
        }
    }

    /** The process, or null if there is none with this pid. */
    public static Proc read(long pid) {
        Path dir = dir(pid);
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses, so cut at the last ')'.
            String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            int threads = Integer.parseInt(f[17]);
            return new Proc(Math.toIntExact(pid), Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                    f[0].charAt(0), threads, comm, arguments(pid), Long.parseLong(f[19]));
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    /** The parent's pid, or -1 if there is no such process. */
    public static int ppid(long pid) {
        Proc p = read(pid);
        return p == null ? -1 : p.ppid();
    }

    /** ps's one-letter state (R, S, D, T, Z, …), or null if there is no such process. */
    public static String state(long pid) {
        Proc p = read(pid);
        return p == null ? null : String.valueOf(p.state());
    }

    /** Alive and not a zombie (a zombie is dead; it only waits for its parent to collect its exit status). */
    public static boolean alive(long pid) {
        Proc p = read(pid);
        return p != null && !p.zombie() && p.state() != 'X';
    }

    /** Every pid in /proc at this moment, in order. */
    public static List<Integer> all() {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Integer::parseInt)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The direct children (zombies included: they are still children until reaped), in order of pid. */
    public static List<Integer> children(long parent) {
        return all().stream().filter(pid -> ppid(pid) == parent).toList();
    }

    /** Live descendants, depth first. */
    public static List<Integer> descendants(long root) {
        List<Integer> result = new ArrayList<>();
        for (int child : children(root)) {
            if (alive(child)) {
                result.add(child);
                result.addAll(descendants(child));
            }
        }
        return result;
    }

    /** Live pids whose command line contains every one of {@code parts} as a whole argument, in order of pid. */
    public static List<Integer> withArguments(String... parts) {
        return all().stream().filter(pid -> arguments(pid).containsAll(List.of(parts)) && alive(pid)).toList();
    }

    /** Live pids (not this JVM) one of whose arguments, joined by spaces, contains {@code text}. */
    public static List<Integer> withCommandLineContaining(String text) {
        long self = ProcessHandle.current().pid();
        return all().stream().filter(pid -> pid != self)
                .filter(pid -> String.join(" ", arguments(pid)).contains(text) && alive(pid)).toList();
    }

    /**
     * The arguments ({@code /proc/<pid>/cmdline}), without the empty ones a process that rewrote its title in
     * place (our shim, as setproctitle does) leaves at the end; empty if the process is gone or a zombie.
     */
    public static List<String> arguments(long pid) {
        try {
            String raw = new String(Files.readAllBytes(dir(pid).resolve("cmdline")), StandardCharsets.UTF_8);
            List<String> args = new ArrayList<>(List.of(raw.split("\0")));
            while (!args.isEmpty() && args.get(args.size() - 1).isEmpty()) {
                args.remove(args.size() - 1);
            }
            return args;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The program a process runs as: the last path element of argv[0] ({@code containerd-shim-jrunc-v2}). */
    public static String programName(long pid) {
        List<String> args = arguments(pid);
        return args.isEmpty() ? "" : Path.of(args.get(0)).getFileName().toString();
    }

    /**
     * Whether the process has a handler for {@code signal} (its bit in {@code SigCgt} of /proc/PID/status): a shell
     * has run its {@code trap} for it. A container's init without a handler ignores signals sent from outside.
     */
    public static boolean catches(long pid, int signal) {
        try {
            for (String line : Files.readAllLines(dir(pid).resolve("status"))) {
                if (line.startsWith("SigCgt:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << (signal - 1))) != 0;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * The process runs {@code program} (it has exec'd it: a fork that has not exec'd yet still shows its parent's
     * name and arguments) and sleeps, waiting for something: what ps shows of it stays the same from now on.
     */
    public static boolean settled(long pid, String program) {
        Proc p = read(pid);
        return p != null && p.comm().equals(program) && p.state() == 'S';
    }

    /** Settled as {@code program}, and so is a child of it running {@code childProgram}. */
    public static boolean settledWithChild(long pid, String program, String childProgram) {
        return settled(pid, program) && children(pid).stream().anyMatch(child -> settled(child, childProgram));
    }

    /** Waits up to {@code millis} for the condition; true if it came true. */
    public static boolean await(long millis, BooleanSupplier condition) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(20);
        }
        return true;
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code /proc/<pid>}: for the files this class does not read itself (smaps_rollup, fd/, …). */
    public static Path dir(long pid) {
        return Path.of("/proc", Long.toString(pid));
    }
}
