package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How long ago this process started, from the kernel's clock since boot ({@code /proc/uptime}) and the process's
 * start in it ({@code /proc/self/stat}, in clock ticks of 1/100 s): both to 10 ms. The JVM's own uptime would need
 * java.lang.management, whose start-up (dozens of classes) is not worth a log line.
 */
final class ProcessAge {
    private static final int TICKS_PER_SECOND = 100;   // USER_HZ, 100 on every Linux architecture people run

    private ProcessAge() {
    }

    /** Milliseconds since this process started, or "?" when /proc cannot tell. */
    static String millis() {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0];
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(fields[19]);    // field 22 of stat: starttime
            long nowMillis = Math.round(Double.parseDouble(uptime) * 1000);
            return String.valueOf(nowMillis - startTicks * 1000 / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
