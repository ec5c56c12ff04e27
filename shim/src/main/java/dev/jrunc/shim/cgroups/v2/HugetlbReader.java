package dev.jrunc.shim.cgroups.v2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v2.HugeTlbStat;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;

/**
 * The v2 hugetlb controller: {@code hugetlb.<size>.current} and {@code .max} for each page size whose files
 * the cgroup has (sizes are taken from the file names, as containerd does).
 */
public final class HugetlbReader {

    private HugetlbReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        List<String> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(p -> p.getFileName().toString()).toList();
        } catch (NoSuchFileException e) {
            return;
        }
        Map<String, HugeTlbStat.Builder> bySize = new TreeMap<>();
        for (String name : names) {
            String[] parts = name.split("\\.");
            if (parts.length != 3 || !parts[0].equals("hugetlb")
                    || !(parts[2].equals("current") || parts[2].equals("max"))) {
                continue; // also skips hugetlb.<size>.events, .rsvd.current, …
            }
            long value = CgroupFiles.readLimit(dir.resolve(name), CgroupFiles.UNLIMITED, 0);
            HugeTlbStat.Builder stat = bySize.computeIfAbsent(parts[1], size -> HugeTlbStat.newBuilder().setPagesize(size));
            if (parts[2].equals("current")) {
                stat.setCurrent(value);
            } else {
                stat.setMax(value);
            }
        }
        bySize.values().forEach(metrics::addHugetlb);
    }
}
