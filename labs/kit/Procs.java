package kit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What {@code ps} knows about a process, read from {@code /proc/<pid>/stat}, {@code status} and {@code cmdline}
 * the way {@code ps} itself reads it. Reading files, not running {@code ps}, is safe in a lab that reaps every
 * child (lab 04 explains why a reaping process must not run programs through the JDK).
 */
public final class Procs {

    private Procs() {
    }

    /** One process, as seen at one moment. {@code state} is ps's one letter: R, S, D, T, Z (zombie), … */
    public record Proc(int pid, int ppid, int pgid, int sid, char state, int threads, String comm, List<String> args) {

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
    public static Proc read(int pid) {
        Path dir = Path.of("/proc", Integer.toString(pid));
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses, so cut at the last ')'.
            String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            int threads = Integer.parseInt(f[17]);
            return new Proc(pid, Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                    f[0].charAt(0), threads, comm, arguments(dir));
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    public static int ppid(int pid) {
        Proc p = read(pid);
        return p == null ? -1 : p.ppid();
    }

    /** Alive and not a zombie (a zombie is dead; it only waits for its parent to collect its exit status). */
    public static boolean alive(int pid) {
        Proc p = read(pid);
        return p != null && !p.zombie() && p.state() != 'X';
    }

    public static List<Integer> children(int parent) {
        List<Integer> children = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Integer::parseInt)
                    .filter(pid -> ppid(pid) == parent)
                    .sorted()
                    .forEach(children::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return children;
    }

    /** Pids whose command line contains every one of {@code parts} as a whole argument, in order of pid. */
    public static List<Integer> withArguments(String... parts) {
        List<Integer> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Integer::parseInt)
                    .sorted()
                    .forEach(pid -> {
                        List<String> args = arguments(Path.of("/proc", Integer.toString(pid)));
                        if (args.containsAll(List.of(parts)) && alive(pid)) {
                            found.add(pid);
                        }
                    });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return found;
    }

    /**
     * The process runs {@code program} (it has exec'd it: a fork that has not exec'd yet still shows its parent's
     * name and arguments) and sleeps, waiting for something: what ps shows of it stays the same from now on.
     */
    public static boolean settled(int pid, String program) {
        Proc p = read(pid);
        return p != null && p.comm().equals(program) && p.state() == 'S';
    }

    /** Settled as {@code program}, and so is a child of it running {@code childProgram}. */
    public static boolean settledWithChild(int pid, String program, String childProgram) {
        return settled(pid, program) && children(pid).stream().anyMatch(child -> settled(child, childProgram));
    }

    /** Waits up to {@code millis} for the condition; true if it came true. */
    public static boolean await(long millis, java.util.function.BooleanSupplier condition) {
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

    /** The arguments, without the empty ones a process that rewrote its title (our shim) may leave at the end. */
    private static List<String> arguments(Path dir) {
        try {
            String raw = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8);
            List<String> args = new ArrayList<>(List.of(raw.split("\0")));
            while (!args.isEmpty() && args.get(args.size() - 1).isEmpty()) {
                args.remove(args.size() - 1);
            }
            return args;
        } catch (IOException e) {
            return List.of();
        }
    }
}
