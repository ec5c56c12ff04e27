package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import com.google.protobuf.Any;

import dev.jrunc.shim.cgroups.v2.CpuReader;
import dev.jrunc.shim.cgroups.v2.HugetlbReader;
import dev.jrunc.shim.cgroups.v2.IoReader;
import dev.jrunc.shim.cgroups.v2.MemoryReader;
import dev.jrunc.shim.cgroups.v2.PidsReader;
import dev.jrunc.shim.cgroups.v2.RdmaReader;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;

/** A cgroup on a cgroup v2 (unified) host: one directory, every controller's files side by side in it. */
final class V2Cgroup implements Cgroup {
    private final Path directory;

    V2Cgroup(Path directory) {
        this.directory = directory;
    }

    /** The cgroup of a process from its "0::PATH" line and the unified mount; empty if it has been removed. */
    static Optional<Cgroup> of(ProcCgroupFile membership, MountInfo mounts, Path unifiedMountPoint) {
        if (membership.unified().isEmpty()) {
            return Optional.empty();
        }
        MountInfo.Mount mount = mounts.unifiedHierarchy(unifiedMountPoint)
                .orElse(new MountInfo.Mount("/", unifiedMountPoint, "cgroup2", List.of()));
        Path dir = mount.directoryOf(membership.unified().get());
        return Files.isDirectory(dir) ? Optional.of(new V2Cgroup(dir)) : Optional.empty();
    }

    Path directory() {
        return directory;
    }

    @Override
    public Any stats() throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "the cgroup is gone");
        }
        Metrics.Builder metrics = Metrics.newBuilder();
        PidsReader.read(directory, metrics);
        CpuReader.read(directory, metrics);
        MemoryReader.read(directory, metrics);
        IoReader.read(directory, metrics);
        RdmaReader.read(directory, metrics);
        HugetlbReader.read(directory, metrics);
        return BareAny.pack(metrics.build());
    }

    @Override
    public String toString() {
        return "cgroup v2 " + directory;
    }
}
