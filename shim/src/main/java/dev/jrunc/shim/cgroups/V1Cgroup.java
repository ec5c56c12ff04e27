package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.google.protobuf.Any;

import dev.jrunc.shim.cgroups.v1.BlkioReader;
import dev.jrunc.shim.cgroups.v1.CpuReader;
import dev.jrunc.shim.cgroups.v1.CpuacctReader;
import dev.jrunc.shim.cgroups.v1.HugetlbReader;
import dev.jrunc.shim.cgroups.v1.MemoryReader;
import dev.jrunc.shim.cgroups.v1.PidsReader;
import dev.jrunc.shim.cgroups.v1.RdmaReader;
import dev.jrunc.shim.proto.cgroups.v1.Metrics;

/**
 * A cgroup on a cgroup v1 host (also a hybrid one, where v2 is mounted beside but holds no controllers we read):
 * one directory per controller, each in its own hierarchy, e.g. /sys/fs/cgroup/memory/NS/ID and
 * /sys/fs/cgroup/pids/NS/ID.
 */
final class V1Cgroup implements Cgroup {

    /** The controllers with figures, in the order their readers fill the Metrics. */
    static final List<String> CONTROLLERS = List.of("cpu", "cpuacct", "memory", "pids", "blkio", "hugetlb", "rdma");

    /** controller → its directory; only controllers this cgroup has. */
    private final Map<String, Path> directories;

    V1Cgroup(Map<String, Path> directories) {
        this.directories = Map.copyOf(directories);
    }

    /**
     * The cgroup of a process from its /proc/PID/cgroup and our mounts; empty if none of its controller
     * directories exists (the cgroup has been removed).
     */
    static Optional<Cgroup> of(ProcCgroupFile membership, MountInfo mounts) {
        Map<String, Path> directories = new LinkedHashMap<>();
        for (String controller : CONTROLLERS) {
            String path = membership.v1Paths().get(controller);
            if (path == null) {
                continue;
            }
            mounts.v1Hierarchy(controller)
                    .map(mount -> mount.directoryOf(path))
                    .filter(Files::isDirectory)
                    .ifPresent(dir -> directories.put(controller, dir));
        }
        return directories.isEmpty() ? Optional.empty() : Optional.of(new V1Cgroup(directories));
    }

    Optional<Path> directory(String controller) {
        return Optional.ofNullable(directories.get(controller));
    }

    @Override
    public Any stats() throws IOException {
        Metrics.Builder metrics = Metrics.newBuilder();
        // containerd always sends cpu with its usage and throttling parts, even without the cpu controllers.
        metrics.getCpuBuilder().getUsageBuilder();
        metrics.getCpuBuilder().getThrottlingBuilder();
        for (Map.Entry<String, Path> controller : directories.entrySet()) {
            Path dir = controller.getValue();
            switch (controller.getKey()) {
                case "cpu" -> CpuReader.read(dir, metrics);
                case "cpuacct" -> CpuacctReader.read(dir, metrics);
                case "memory" -> MemoryReader.read(dir, metrics);
                case "pids" -> PidsReader.read(dir, metrics);
                case "blkio" -> BlkioReader.read(dir, metrics);
                case "hugetlb" -> HugetlbReader.read(dir, metrics);
                case "rdma" -> RdmaReader.read(dir, metrics);
                default -> throw new IllegalStateException("no reader for " + controller.getKey());
            }
        }
        return BareAny.pack(metrics.build());
    }

    @Override
    public String toString() {
        return "cgroup v1 " + directories;
    }
}
