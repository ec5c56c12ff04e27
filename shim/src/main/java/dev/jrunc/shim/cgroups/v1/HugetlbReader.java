package dev.jrunc.shim.cgroups.v1;

import java.io.IOException;
import java.nio.file.Path;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v1.HugetlbStat;
import dev.jrunc.shim.proto.cgroups.v1.Metrics;

/** The v1 hugetlb controller: one entry per huge page size the kernel offers (2MB, 1GB, …). */
public final class HugetlbReader {

    private HugetlbReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        for (String size : HugePageSizes.onThisHost()) {
            String prefix = "hugetlb." + size + ".";
            metrics.addHugetlb(HugetlbStat.newBuilder()
                    .setPagesize(size)
                    .setUsage(CgroupFiles.readUint(dir.resolve(prefix + "usage_in_bytes")).orElse(0))
                    .setMax(CgroupFiles.readUint(dir.resolve(prefix + "max_usage_in_bytes")).orElse(0))
                    .setFailcnt(CgroupFiles.readUint(dir.resolve(prefix + "failcnt")).orElse(0)));
        }
    }
}
