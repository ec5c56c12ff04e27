package dev.jrunc.shim.cgroups.v1;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The huge page sizes of this kernel, named as the hugetlb controller names its files: /sys/kernel/mm/hugepages
 * holds {@code hugepages-2048kB}, the cgroup holds {@code hugetlb.2MB.usage_in_bytes}.
 */
public final class HugePageSizes {
    private static final String[] UNITS = {"B", "KB", "MB", "GB", "TB", "PB"};

    private HugePageSizes() {
    }

    /** Sorted by the directory names; empty if the kernel has no huge pages. */
    public static List<String> onThisHost() throws IOException {
        List<String> sizes = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/sys/kernel/mm/hugepages"))) {
            for (String name : entries.map(p -> p.getFileName().toString()).sorted().toList()) {
                if (name.startsWith("hugepages-") && name.endsWith("kB")) {
                    long kib = Long.parseLong(name.substring("hugepages-".length(), name.length() - 2));
                    sizes.add(name(kib * 1024));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return sizes;
    }

    /** 2097152 → "2MB", 1073741824 → "1GB", 65536 → "64KB": the largest unit, binary multiples. */
    public static String name(long bytes) {
        double size = bytes;
        int unit = 0;
        while (size >= 1024 && unit < UNITS.length - 1) {
            size /= 1024;
            unit++;
        }
        String number = size == Math.rint(size) ? Long.toString((long) size) : Double.toString(size);
        return number + UNITS[unit];
    }
}
