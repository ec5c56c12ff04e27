package dev.jrunc.shim.cgroups.v2;

import java.io.IOException;
import java.nio.file.Path;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;
import dev.jrunc.shim.proto.cgroups.v2.PidsStat;

/** The v2 pids controller: pids.current, and pids.max with "max" as 2^64-1 (unlike v1's 0). */
public final class PidsReader {

    private PidsReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        metrics.setPids(PidsStat.newBuilder()
                .setCurrent(CgroupFiles.readUint(dir.resolve("pids.current")).orElse(0))
                .setLimit(CgroupFiles.readLimit(dir.resolve("pids.max"), CgroupFiles.UNLIMITED, 0)));
    }
}
