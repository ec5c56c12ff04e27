package dev.jrunc.shim.cgroups.v2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v2.IOEntry;
import dev.jrunc.shim.proto.cgroups.v2.IOStat;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;

/** The v2 io controller: io.stat, bytes and operations read and written per device. */
public final class IoReader {

    private IoReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        metrics.setIo(IOStat.newBuilder().addAllUsage(parseStat(CgroupFiles.read(dir.resolve("io.stat")).orElse(""))));
    }

    /**
     * io.stat lines: {@code 254:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0}; keys other than the four
     * containerd keeps (discards, and per-device cost figures on some kernels) are skipped.
     */
    public static List<IOEntry> parseStat(String text) {
        List<IOEntry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            String[] device = fields[0].split(":");
            if (fields.length < 2 || device.length != 2) {
                continue;
            }
            IOEntry.Builder entry = IOEntry.newBuilder();
            try {
                entry.setMajor(CgroupFiles.parseUint(device[0])).setMinor(CgroupFiles.parseUint(device[1]));
            } catch (NumberFormatException e) {
                continue;
            }
            for (int i = 1; i < fields.length; i++) {
                String[] keyValue = fields[i].split("=", 2);
                if (keyValue.length != 2) {
                    continue;
                }
                long value;
                try {
                    value = CgroupFiles.parseUint(keyValue[1]);
                } catch (NumberFormatException e) {
                    continue;
                }
                switch (keyValue[0]) {
                    case "rbytes" -> entry.setRbytes(value);
                    case "wbytes" -> entry.setWbytes(value);
                    case "rios" -> entry.setRios(value);
                    case "wios" -> entry.setWios(value);
                    default -> { }
                }
            }
            entries.add(entry.build());
        }
        return entries;
    }
}
