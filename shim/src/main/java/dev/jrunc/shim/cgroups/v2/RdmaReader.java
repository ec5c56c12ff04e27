package dev.jrunc.shim.cgroups.v2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;
import dev.jrunc.shim.proto.cgroups.v2.RdmaEntry;
import dev.jrunc.shim.proto.cgroups.v2.RdmaStat;

/** The v2 rdma controller: rdma.current and rdma.max, per device (an empty RdmaStat without the controller). */
public final class RdmaReader {

    private RdmaReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        metrics.setRdma(RdmaStat.newBuilder()
                .addAllCurrent(parse(CgroupFiles.read(dir.resolve("rdma.current")).orElse("")))
                .addAllLimit(parse(CgroupFiles.read(dir.resolve("rdma.max")).orElse(""))));
    }

    /** Lines like {@code mlx4_0 hca_handle=2 hca_object=2000}; "max" is 2^32-1. */
    public static List<RdmaEntry> parse(String text) {
        List<RdmaEntry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length != 3) {
                continue;
            }
            RdmaEntry.Builder entry = RdmaEntry.newBuilder().setDevice(fields[0]);
            for (int i = 1; i < 3; i++) {
                String[] keyValue = fields[i].split("=", 2);
                if (keyValue.length != 2) {
                    continue;
                }
                int value;
                try {
                    value = keyValue[1].equals("max") ? -1 : (int) Long.parseLong(keyValue[1]); // uint32 bits
                } catch (NumberFormatException e) {
                    continue;
                }
                if (keyValue[0].equals("hca_handle")) {
                    entry.setHcaHandles(value);
                } else if (keyValue[0].equals("hca_object")) {
                    entry.setHcaObjects(value);
                }
            }
            entries.add(entry.build());
        }
        return entries;
    }
}
