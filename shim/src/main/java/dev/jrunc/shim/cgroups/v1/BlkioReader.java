package dev.jrunc.shim.cgroups.v1;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v1.BlkIOEntry;
import dev.jrunc.shim.proto.cgroups.v1.BlkIOStat;
import dev.jrunc.shim.proto.cgroups.v1.Metrics;

/**
 * The v1 blkio controller: bytes and operations per block device.
 *
 * <p>The CFQ I/O scheduler's {@code blkio.*_recursive} files come first, as in containerd. Kernels without CFQ
 * (it left Linux in 5.0), or devices on another scheduler, leave them absent or empty; then the throttling
 * layer's {@code blkio.throttle.io_serviced} and {@code io_service_bytes}, which every kernel keeps, are used.
 */
public final class BlkioReader {

    /** The CFQ files, by the BlkIOStat list they fill. */
    private static final Map<String, BiConsumer<BlkIOStat.Builder, List<BlkIOEntry>>> CFQ_FILES = cfqFiles();

    private BlkioReader() {
    }

    private static Map<String, BiConsumer<BlkIOStat.Builder, List<BlkIOEntry>>> cfqFiles() {
        Map<String, BiConsumer<BlkIOStat.Builder, List<BlkIOEntry>>> files = new LinkedHashMap<>();
        files.put("sectors_recursive", BlkIOStat.Builder::addAllSectorsRecursive);
        files.put("io_service_bytes_recursive", BlkIOStat.Builder::addAllIoServiceBytesRecursive);
        files.put("io_serviced_recursive", BlkIOStat.Builder::addAllIoServicedRecursive);
        files.put("io_queued_recursive", BlkIOStat.Builder::addAllIoQueuedRecursive);
        files.put("io_service_time_recursive", BlkIOStat.Builder::addAllIoServiceTimeRecursive);
        files.put("io_wait_time_recursive", BlkIOStat.Builder::addAllIoWaitTimeRecursive);
        files.put("io_merged_recursive", BlkIOStat.Builder::addAllIoMergedRecursive);
        files.put("time_recursive", BlkIOStat.Builder::addAllIoTimeRecursive);
        return files;
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        Map<String, String> devices = parsePartitions(CgroupFiles.read(Path.of("/proc/partitions")).orElse(""));
        BlkIOStat.Builder blkio = BlkIOStat.newBuilder();
        int entries = 0;
        if (Files.exists(dir.resolve("blkio.io_serviced_recursive"))) {
            for (Map.Entry<String, BiConsumer<BlkIOStat.Builder, List<BlkIOEntry>>> file : CFQ_FILES.entrySet()) {
                List<BlkIOEntry> lines = readEntries(dir.resolve("blkio." + file.getKey()), devices);
                file.getValue().accept(blkio, lines);
                entries += lines.size();
            }
        }
        if (entries == 0) {
            blkio.addAllIoServicedRecursive(readEntries(dir.resolve("blkio.throttle.io_serviced"), devices))
                    .addAllIoServiceBytesRecursive(readEntries(dir.resolve("blkio.throttle.io_service_bytes"), devices));
        }
        metrics.setBlkio(blkio);
    }

    private static List<BlkIOEntry> readEntries(Path file, Map<String, String> devices) throws IOException {
        Optional<String> text = CgroupFiles.read(file);
        return text.isEmpty() ? List.of() : parseEntries(text.get(), devices);
    }

    /**
     * A blkio statistics file: {@code MAJOR:MINOR OP VALUE} lines ("8:0 Read 4096"), or {@code MAJOR:MINOR VALUE}
     * for files without operations, and a closing "Total N" line, which is skipped.
     *
     * @param devices "major:minor" → device path, from {@link #parsePartitions}
     */
    public static List<BlkIOEntry> parseEntries(String text, Map<String, String> devices) {
        List<BlkIOEntry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("[ :]+");
            if (fields.length < 3) {
                continue; // "Total 0", or blank
            }
            boolean hasOp = fields.length >= 4;
            try {
                entries.add(BlkIOEntry.newBuilder()
                        .setMajor(CgroupFiles.parseUint(fields[0]))
                        .setMinor(CgroupFiles.parseUint(fields[1]))
                        .setOp(hasOp ? fields[2] : "")
                        .setValue(CgroupFiles.parseUint(fields[hasOp ? 3 : 2]))
                        .setDevice(devices.getOrDefault(fields[0] + ":" + fields[1], ""))
                        .build());
            } catch (NumberFormatException e) {
                // a line of another shape: not a device figure
            }
        }
        return entries;
    }

    /**
     * /proc/partitions, after its two header lines: {@code major minor #blocks name} → "major:minor" →
     * "/dev/name". The first name wins where a device appears twice.
     */
    public static Map<String, String> parsePartitions(String text) {
        Map<String, String> devices = new HashMap<>();
        String[] lines = text.split("\n");
        for (int i = 2; i < lines.length; i++) {
            String[] fields = lines[i].trim().split("\\s+");
            if (fields.length >= 4) {
                devices.putIfAbsent(fields[0] + ":" + fields[1], "/dev/" + fields[3]);
            }
        }
        return devices;
    }
}
