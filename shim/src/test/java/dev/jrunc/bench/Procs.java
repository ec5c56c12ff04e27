package dev.jrunc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Finding and measuring processes: found through the kit's /proc reader ({@link kit.Procs}), measured here. Shims are found by their command line: containerd starts every
 * shim daemon with {@code -address <containerd socket>} (and {@code -namespace}, {@code -id}), and our shim shows
 * the same arguments once up, so a unique socket path identifies exactly the shims the benchmark caused.
 */
final class Procs {
    /** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture. */
    private static final double TICKS_PER_SECOND = 100.0;

    private Procs() {
    }

    static List<String> cmdline(long pid) {
        return kit.Procs.arguments(pid);
    }

    /** Live (not zombie) processes whose command line has every FLAG followed by its VALUE. */
    static List<Long> withArguments(Map<String, String> flagValues) {
        return kit.Procs.withArguments(flagValues.keySet().toArray(String[]::new)).stream()
                .filter(pid -> hasAll(cmdline(pid), flagValues))
                .map(Integer::longValue).toList();
    }

    /**
     * Shim daemons of one containerd socket (and, if given, one namespace): the long-running processes only —
     * not ctr (which passes {@code --address}) and not a {@code start} or {@code delete} still on its way out.
     */
    static List<Long> shimDaemons(String address, String namespace) {
        Map<String, String> wanted = namespace == null ? Map.of("-address", address)
                : Map.of("-address", address, "-namespace", namespace);
        return withArguments(wanted).stream().filter(pid -> {
            List<String> args = cmdline(pid);
            String last = args.isEmpty() ? "" : args.get(args.size() - 1);
            return !last.equals("start") && !last.equals("delete");
        }).toList();
    }

    static boolean isAlive(long pid) {
        return kit.Procs.alive(pid);
    }

    /** SIGKILL, then wait until they are gone (or TIMEOUT); returns the ones still alive. */
    static List<Long> kill(Collection<Long> pids, Duration timeout) {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        return awaitGone(pids, timeout);
    }

    /** SIGTERM (a shim's orderly stop: it removes its socket), then SIGKILL for what is left. */
    static List<Long> terminate(Collection<Long> pids, Duration grace) {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
        List<Long> left = awaitGone(pids, grace);
        return left.isEmpty() ? left : kill(left, Duration.ofSeconds(5));
    }

    static List<Long> awaitGone(Collection<Long> pids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Long> alive = new ArrayList<>(pids);
        while (true) {
            alive.removeIf(pid -> !isAlive(pid));
            if (alive.isEmpty() || System.nanoTime() > deadline) {
                return alive;
            }
            sleep(20);
        }
    }

    /**
     * A process's memory as the kernel accounts it. PSS (proportional set size) divides every shared page among
     * the processes mapping it, so summing PSS over all shims gives what they cost together: a JVM's libjvm.so
     * and class-data archive count once across all JVMs, not once per shim as RSS would.
     */
    record Memory(double rssKiB, double pssKiB, double pssAnonKiB, double pssFileKiB, double privateKiB,
            int threads, double cpuSeconds) {
    }

    static Memory memory(long pid) throws IOException {
        Map<String, Double> rollup = kiloBytes(kit.Procs.dir(pid).resolve("smaps_rollup"));
        Map<String, Double> status = kiloBytes(kit.Procs.dir(pid).resolve("status"));
        String stat = Files.readString(kit.Procs.dir(pid).resolve("stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields[0] is the state (field 3 of stat); utime and stime are fields 14 and 15.
        double cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        return new Memory(
                rollup.getOrDefault("Rss", 0.0),
                rollup.getOrDefault("Pss", 0.0),
                rollup.getOrDefault("Pss_Anon", Double.NaN),
                rollup.getOrDefault("Pss_File", Double.NaN),
                rollup.getOrDefault("Private_Clean", 0.0) + rollup.getOrDefault("Private_Dirty", 0.0),
                status.getOrDefault("Threads", 0.0).intValue(),
                cpu);
    }

    /** "Key:   123 kB" lines (and plain "Key: 123" ones, such as Threads) as key → number. */
    private static Map<String, Double> kiloBytes(Path file) throws IOException {
        Map<String, Double> values = new java.util.HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String[] words = line.substring(colon + 1).trim().split("\\s+");
            if (words.length >= 1 && isNumber(words[0])) {
                values.put(line.substring(0, colon).trim(), Double.parseDouble(words[0]));
            }
        }
        return values;
    }

    private static boolean hasAll(List<String> args, Map<String, String> flagValues) {
        for (Map.Entry<String, String> wanted : flagValues.entrySet()) {
            boolean found = false;
            for (int i = 0; i + 1 < args.size() && !found; i++) {
                found = args.get(i).equals(wanted.getKey()) && args.get(i + 1).equals(wanted.getValue());
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
