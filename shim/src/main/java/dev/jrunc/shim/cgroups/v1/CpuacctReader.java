package dev.jrunc.shim.cgroups.v1;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v1.CPUUsage;
import dev.jrunc.shim.proto.cgroups.v1.Metrics;

/** The v1 cpuacct controller: CPU time used, in total, per CPU, and split into user and kernel time. */
public final class CpuacctReader {
    /**
     * cpuacct.stat counts in USER_HZ ticks, which Linux fixes at 100 per second whatever the kernel's HZ (it is
     * what sysconf(_SC_CLK_TCK) returns); containerd converts with the same constant.
     */
    static final long TICKS_PER_SECOND = 100;
    private static final long NANOS_PER_TICK = 1_000_000_000L / TICKS_PER_SECOND;

    private CpuacctReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        CPUUsage.Builder usage = metrics.getCpuBuilder().getUsageBuilder();
        usage.setTotal(CgroupFiles.readUint(dir.resolve("cpuacct.usage")).orElse(0));
        Optional<String> stat = CgroupFiles.read(dir.resolve("cpuacct.stat"));
        if (stat.isPresent()) {
            Map<String, Long> ticks = CgroupFiles.parseKeyValues(stat.get());
            usage.setUser(ticks.getOrDefault("user", 0L) * NANOS_PER_TICK)
                    .setKernel(ticks.getOrDefault("system", 0L) * NANOS_PER_TICK);
        }
        Optional<String> perCpu = CgroupFiles.read(dir.resolve("cpuacct.usage_percpu"));
        if (perCpu.isPresent()) {
            usage.clearPerCpu().addAllPerCpu(parsePerCpu(perCpu.get()));
        }
    }

    /** cpuacct.usage_percpu: nanoseconds per possible CPU, on one line separated by spaces. */
    public static List<Long> parsePerCpu(String text) {
        List<Long> usage = new ArrayList<>();
        for (String field : text.trim().split("\\s+")) {
            if (!field.isEmpty()) {
                usage.add(CgroupFiles.parseUint(field));
            }
        }
        return usage;
    }
}
