package dev.jrunc.shim.cgroups.v1;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v1.Metrics;
import dev.jrunc.shim.proto.cgroups.v1.Throttle;

/** The v1 cpu controller: how often the CFS quota throttled the cgroup (cpu.stat). Usage is cpuacct's. */
public final class CpuReader {

    private CpuReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        Optional<String> stat = CgroupFiles.read(dir.resolve("cpu.stat"));
        if (stat.isPresent()) {
            metrics.getCpuBuilder().setThrottling(parseStat(stat.get()));
        }
    }

    /** cpu.stat: "nr_periods N", "nr_throttled N", "throttled_time NANOSECONDS" (and newer keys we skip). */
    public static Throttle parseStat(String text) {
        Map<String, Long> values = CgroupFiles.parseKeyValues(text);
        return Throttle.newBuilder()
                .setPeriods(values.getOrDefault("nr_periods", 0L))
                .setThrottledPeriods(values.getOrDefault("nr_throttled", 0L))
                .setThrottledTime(values.getOrDefault("throttled_time", 0L))
                .build();
    }
}
