package dev.jrunc.shim.cgroups.v1;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v1.Metrics;
import dev.jrunc.shim.proto.cgroups.v1.PidsStat;

/** The v1 pids controller: how many tasks (threads) the cgroup holds, and its limit. */
public final class PidsReader {

    private PidsReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        OptionalLong current = CgroupFiles.readUint(dir.resolve("pids.current"));
        if (current.isEmpty()) {
            return;
        }
        metrics.setPids(PidsStat.newBuilder()
                .setCurrent(current.getAsLong())
                // cgroup v1 figures say 0 for "no limit" (v2's say 2^64-1): containerd's convention, kept.
                .setLimit(CgroupFiles.readLimit(dir.resolve("pids.max"), 0, 0)));
    }
}
