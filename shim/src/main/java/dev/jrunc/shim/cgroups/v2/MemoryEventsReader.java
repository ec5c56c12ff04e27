package dev.jrunc.shim.cgroups.v2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v2.MemoryEvents;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;

/**
 * memory.events: how many times the cgroup reached each memory boundary. {@code oom_kill} counts the processes
 * the OOM killer ended in it, which is what the OOM watcher follows.
 */
public final class MemoryEventsReader {

    private MemoryEventsReader() {
    }

    /** Sets {@code metrics.memory_events} only if the file exists and says something, as containerd does. */
    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        Map<String, Long> values = CgroupFiles.readKeyValues(dir.resolve("memory.events"));
        if (!values.isEmpty()) {
            metrics.setMemoryEvents(toEvents(values));
        }
    }

    public static MemoryEvents parse(String text) {
        return toEvents(CgroupFiles.parseKeyValues(text));
    }

    private static MemoryEvents toEvents(Map<String, Long> values) {
        return MemoryEvents.newBuilder()
                .setLow(values.getOrDefault("low", 0L))
                .setHigh(values.getOrDefault("high", 0L))
                .setMax(values.getOrDefault("max", 0L))
                .setOom(values.getOrDefault("oom", 0L))
                .setOomKill(values.getOrDefault("oom_kill", 0L))
                .build();
    }
}
