package dev.jrunc.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The three shims compared, all under the same private containerd: the Go shim that ships with containerd, and
 * ours in its two modes (the same launcher under two names). containerd turns runtime {@code io.containerd.X.v2}
 * into the binary {@code containerd-shim-X-v2} on its PATH; the benchmark runs those very binaries when it plays
 * containerd itself (start, delete, Create over ttrpc).
 */
enum Mode {
    GO("go", "Go runc-v2", "io.containerd.runc.v2", "containerd-shim-runc-v2"),
    PER_POD("per-pod", "jrunc per-pod", "io.containerd.jrunc.v2", "containerd-shim-jrunc-v2"),
    SHARED("shared", "jrunc shared", "io.containerd.jrunc-shared.v2", "containerd-shim-jrunc-shared-v2");

    /** The shared shim's group: one socket per containerd namespace (ShimMode.SHARED_GROUP in the shim). */
    static final String SHARED_GROUP = "jrunc shared";

    final String key;
    final String label;
    final String runtime;
    final String binaryName;

    Mode(String key, String label, String runtime, String binaryName) {
        this.key = key;
        this.label = label;
        this.runtime = runtime;
        this.binaryName = binaryName;
    }

    /** The executable containerd would run: ours from the shim folder, the Go shim from the system PATH. */
    Path binary(Config config) {
        if (this != GO) {
            return config.shimDir().resolve(binaryName);
        }
        return Path.of(Config.which(binaryName));
    }

    /** Which shim socket a container lands on: its own (Go, per-pod without grouping) or the namespace's. */
    String socketGroup(String containerId) {
        return this == SHARED ? SHARED_GROUP : containerId;
    }

    static Mode byKey(String key) {
        for (Mode mode : values()) {
            if (mode.key.equals(key)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown mode " + key + " (go, per-pod, shared)");
    }

    /** The list rotated by {@code round}: every round has each entry once, and no entry is always first. */
    static <T> List<T> rotate(List<T> list, int round) {
        int n = list.size();
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> list.get((i + round) % n)).toList();
    }
}
