package dev.jrunc.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to measure and where, from the environment ({@code shim/scripts/bench.sh} sets the paths; the knobs are the
 * user's). Sample counts are per mode. The defaults keep one full run near ten minutes on a 2-core machine.
 */
record Config(
        Path repo,
        Path dir,
        String namespace,
        Path shimDir,
        Path rootfs,
        Path out,
        int runN,
        int coldN,
        int stateN,
        int createN,
        List<Integer> memCounts,
        int memSettleMillis,
        int parallel,
        int parallelReps,
        Set<String> phases,
        List<Mode> modes) {

    /** The PATH containerd's shims and runc are found on (the same list private-containerd.sh uses). */
    static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    static final List<String> ALL_PHASES = List.of("mem", "run", "cold", "ttrpc", "parallel");

    static Config fromEnvironment(Map<String, String> env) {
        Path repo = Path.of(env.getOrDefault("BENCH_REPO", "..")).toAbsolutePath().normalize();
        Path shimDir = Path.of(env.getOrDefault("BENCH_SHIM_DIR", repo.resolve("shim/target").toString()));
        return new Config(
                repo,
                Path.of(env.getOrDefault("BENCH_DIR", "/run/jrunc/bench")),
                env.getOrDefault("BENCH_NAMESPACE", "jrunc-bench"),
                shimDir,
                Path.of(env.getOrDefault("BENCH_ROOTFS", shimDir.resolve("busybox-rootfs").toString())),
                Path.of(env.getOrDefault("BENCH_OUT", shimDir.resolve("bench").toString())),
                positive(env, "BENCH_N", 20),
                positive(env, "BENCH_COLD_N", 10),
                positive(env, "BENCH_STATE_N", 500),
                positive(env, "BENCH_CREATE_N", 8),
                counts(env.getOrDefault("BENCH_MEM_COUNTS", "1,10,50")),
                positive(env, "BENCH_MEM_SETTLE_MS", 3000),
                positive(env, "BENCH_PARALLEL", 10),
                positive(env, "BENCH_PARALLEL_REPS", 3),
                phases(env.getOrDefault("BENCH_PHASES", String.join(",", ALL_PHASES))),
                modes(env.getOrDefault("BENCH_MODES", "go,per-pod,shared")));
    }

    /** A program's absolute path on the system PATH (Java resolves bare names on its own PATH, not the child's). */
    static String which(String program) {
        for (String dir : SYSTEM_PATH.split(":")) {
            Path candidate = Path.of(dir, program);
            if (java.nio.file.Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return program;
    }

    Path socket() {
        return dir.resolve("containerd.sock");
    }

    /** containerd's ttrpc socket, which shims publish their events to (TTRPC_ADDRESS). */
    Path ttrpcSocket() {
        return dir.resolve("containerd.sock.ttrpc");
    }

    /** Where containerd keeps each task's bundle: {@code <state>/io.containerd.runtime.v2.task/<ns>/<id>}. */
    Path bundleOf(String ns, String id) {
        return dir.resolve("state/io.containerd.runtime.v2.task").resolve(ns).resolve(id);
    }

    boolean has(String phase) {
        return phases.contains(phase);
    }

    private static int positive(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        int n = Integer.parseInt(value.trim());
        if (n < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + n);
        }
        return n;
    }

    private static List<Integer> counts(String text) {
        List<Integer> counts = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                counts.add(Integer.parseInt(part.trim()));
            }
        }
        List<Integer> sorted = counts.stream().filter(n -> n > 0).distinct().sorted().toList();
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("BENCH_MEM_COUNTS needs at least one positive count, got " + text);
        }
        return sorted;
    }

    private static Set<String> phases(String text) {
        Set<String> phases = new LinkedHashSet<>();
        for (String part : text.split(",")) {
            String phase = part.trim();
            if (phase.isEmpty()) {
                continue;
            }
            if (!ALL_PHASES.contains(phase)) {
                throw new IllegalArgumentException("unknown phase " + phase + " in BENCH_PHASES (" + String.join(",", ALL_PHASES) + ")");
            }
            phases.add(phase);
        }
        return phases;
    }

    private static List<Mode> modes(String text) {
        List<Mode> modes = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                modes.add(Mode.byKey(part.trim()));
            }
        }
        // Always in the same order, so that tables and charts line up between runs.
        return List.of(Mode.values()).stream().filter(modes::contains).toList();
    }
}
