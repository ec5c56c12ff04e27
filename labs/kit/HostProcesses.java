package kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The host's view of a pod: which shim process serves it and what runs under that shim, plus the {@code ps --forest}
 * picture of it. (CRI only names containers by id; the process tree is where "one shim per pod" becomes visible.)
 *
 * <p>Read through {@link Procs}; pids as {@code long}, as CRI's verbose info and containerd give them.
 */
public final class HostProcesses {

    private HostProcesses() {
    }

    /** The parent pid, or -1 if the process is gone. */
    public static long ppid(long pid) {
        return Procs.ppid(pid);
    }

    /** True if the process exists and is not a zombie. */
    public static boolean isAlive(long pid) {
        return Procs.alive(pid);
    }

    /** A process's arguments (see {@link Procs#arguments}); empty if the process is gone. */
    public static List<String> arguments(long pid) {
        return Procs.arguments(pid);
    }

    /** The program name a process runs as: the last path element of argv[0] ({@code containerd-shim-jrunc-v2}). */
    public static String programName(long pid) {
        return Procs.programName(pid);
    }

    /** Live direct children. */
    public static List<Long> children(long parent) {
        return asLongs(Procs.children(parent).stream().filter(Procs::alive).toList());
    }

    /**
     * The live shim processes serving the containerd at {@code address}: programs named {@code containerd-shim-*}
     * whose arguments hold {@code -address <address>}. A containerd's socket path is unique on a machine, so this
     * never picks up another containerd's shims.
     */
    public static List<Long> shimsOf(String address) {
        return asLongs(Procs.all().stream().filter(pid -> programName(pid).startsWith("containerd-shim-") && isAlive(pid))
                .filter(pid -> hasFlag(arguments(pid), "-address", address))
                .toList());
    }

    /** {@code ps -o pid,ppid,pgid,sid,stat,args --forest} of the given processes and all their descendants. */
    public static String psForest(List<Long> roots) {
        List<Long> pids = new ArrayList<>();
        for (long root : roots) {
            pids.add(root);
            pids.addAll(asLongs(Procs.descendants(root)));
        }
        if (pids.isEmpty()) {
            return "(no processes)\n";
        }
        String list = pids.stream().map(String::valueOf).collect(Collectors.joining(","));
        return run("ps", "-o", "pid,ppid,pgid,sid,stat,args", "--forest", "-p", list);
    }

    private static List<Long> asLongs(List<Integer> pids) {
        return pids.stream().map(Integer::longValue).toList();
    }

    private static boolean hasFlag(List<String> args, String flag, String value) {
        for (int i = 0; i + 1 < args.size(); i++) {
            if ((args.get(i).equals(flag) || args.get(i).equals("-" + flag)) && args.get(i + 1).equals(value)) {
                return true;
            }
        }
        return args.contains(flag + "=" + value) || args.contains("-" + flag + "=" + value);
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
