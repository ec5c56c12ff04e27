package dev.jrunc.shim.cgroups.v2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v2.CPUStat;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;

/**
 * cpu.stat: CPU time in microseconds and, with the cpu controller enabled, CFS throttling. The first three keys
 * are there in every v2 cgroup, controller or not.
 */
public final class CpuReader {

    private CpuReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        metrics.setCpu(parseStat(CgroupFiles.read(dir.resolve("cpu.stat")).orElse("")));
    }

    public static CPUStat parseStat(String text) {
        Map<String, Long> values = CgroupFiles.parseKeyValues(text);
        return CPUStat.newBuilder()
                .setUsageUsec(values.getOrDefault("usage_usec", 0L))
                .setUserUsec(values.getOrDefault("user_usec", 0L))
                .setSystemUsec(values.getOrDefault("system_usec", 0L))
                .setNrPeriods(values.getOrDefault("nr_periods", 0L))
                .setNrThrottled(values.getOrDefault("nr_throttled", 0L))
                .setThrottledUsec(values.getOrDefault("throttled_usec", 0L))
                .build();
    }
}
