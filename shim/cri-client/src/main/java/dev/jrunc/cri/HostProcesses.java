package dev.jrunc.cri;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The host's view of a pod: which shim process serves it and what runs under that shim, read from /proc, plus the
 * {@code ps --forest} picture of it. (CRI only names containers by id; the process tree is where "one shim per
 * pod" becomes visible.)
 */
public final class HostProcesses {

    private HostProcesses() {
    }

    /** The parent pid, or -1 if the process is gone. */
    public static long ppid(long pid) {
        String[] stat = statFields(pid);
        return stat == null ? -1 : Long.parseLong(stat[1]);
    }

    /** True if the process exists and is not a zombie. */
    public static boolean isAlive(long pid) {
        String[] stat = statFields(pid);
        return stat != null && !stat[0].equals("Z") && !stat[0].equals("X");
    }

    /**
     * A process's arguments, without the empty ones a process leaves at the end when it rewrites its title in
     * place (our shim does, as the Go shim's runtime does not need to). Empty if the process is gone.
     */
    public static List<String> arguments(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            List<String> args = new ArrayList<>(Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0")));
            while (!args.isEmpty() && args.get(args.size() - 1).isEmpty()) {
                args.remove(args.size() - 1);
            }
            return args;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The program name a process runs as: the last path element of argv[0] ({@code containerd-shim-jrunc-v2}). */
    public static String programName(long pid) {
        List<String> args = arguments(pid);
        return args.isEmpty() ? "" : Path.of(args.get(0)).getFileName().toString();
    }

    /** Live direct children. */
    public static List<Long> children(long parent) {
        return allPids().filter(pid -> ppid(pid) == parent && isAlive(pid)).collect(Collectors.toList());
    }

    /**
     * The live shim processes serving the containerd at {@code address}: programs named {@code containerd-shim-*}
     * whose arguments hold {@code -address <address>}. A containerd's socket path is unique on a machine, so this
     * never picks up another containerd's shims.
     */
    public static List<Long> shimsOf(String address) {
        return allPids().filter(pid -> programName(pid).startsWith("containerd-shim-") && isAlive(pid))
                .filter(pid -> hasFlag(arguments(pid), "-address", address))
                .collect(Collectors.toList());
    }

    /** {@code ps -o pid,ppid,pgid,sid,stat,args --forest} of the given processes and all their descendants. */
    public static String psForest(List<Long> roots) {
        List<Long> pids = new ArrayList<>();
        for (long root : roots) {
            pids.add(root);
            pids.addAll(descendants(root));
        }
        if (pids.isEmpty()) {
            return "(no processes)\n";
        }
        String list = pids.stream().map(String::valueOf).collect(Collectors.joining(","));
        return run("ps", "-o", "pid,ppid,pgid,sid,stat,args", "--forest", "-p", list);
    }

    /** All live descendants, depth first. */
    public static List<Long> descendants(long root) {
        List<Long> result = new ArrayList<>();
        for (long child : children(root)) {
            result.add(child);
            result.addAll(descendants(child));
        }
        return result;
    }

    private static boolean hasFlag(List<String> args, String flag, String value) {
        for (int i = 0; i + 1 < args.size(); i++) {
            if ((args.get(i).equals(flag) || args.get(i).equals("-" + flag)) && args.get(i + 1).equals(value)) {
                return true;
            }
        }
        return args.contains(flag + "=" + value) || args.contains("-" + flag + "=" + value);
    }

    /** {@code /proc/<pid>/stat} after the command name: [0] state, [1] ppid; null if gone. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Stream<Long> allPids() {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .collect(Collectors.toList())
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(String... command) {
        try {
            Path out = Files.createTempFile("jrunc-ps", ".txt");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return "(ps did not finish)\n";
                }
                return Files.readString(out);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return "(could not run ps: " + e.getMessage() + ")\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)\n";
        }
    }
}
