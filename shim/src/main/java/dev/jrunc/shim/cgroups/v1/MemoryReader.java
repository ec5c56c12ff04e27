package dev.jrunc.shim.cgroups.v1;

import static java.util.Map.entry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.ObjLongConsumer;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v1.MemoryEntry;
import dev.jrunc.shim.proto.cgroups.v1.MemoryOomControl;
import dev.jrunc.shim.proto.cgroups.v1.MemoryStat;
import dev.jrunc.shim.proto.cgroups.v1.Metrics;

/**
 * The v1 memory controller: memory.stat, the four counter groups (memory, memory+swap, kernel, kernel TCP) and
 * memory.oom_control.
 */
public final class MemoryReader {

    /** memory.stat key → MemoryStat field. The keys containerd does not keep (shmem, swap, …) are left out. */
    private static final Map<String, ObjLongConsumer<MemoryStat.Builder>> STAT_FIELDS = Map.ofEntries(
            entry("cache", MemoryStat.Builder::setCache),
            entry("rss", MemoryStat.Builder::setRss),
            entry("rss_huge", MemoryStat.Builder::setRssHuge),
            entry("mapped_file", MemoryStat.Builder::setMappedFile),
            entry("dirty", MemoryStat.Builder::setDirty),
            entry("writeback", MemoryStat.Builder::setWriteback),
            entry("pgpgin", MemoryStat.Builder::setPgPgIn),
            entry("pgpgout", MemoryStat.Builder::setPgPgOut),
            entry("pgfault", MemoryStat.Builder::setPgFault),
            entry("pgmajfault", MemoryStat.Builder::setPgMajFault),
            entry("inactive_anon", MemoryStat.Builder::setInactiveAnon),
            entry("active_anon", MemoryStat.Builder::setActiveAnon),
            entry("inactive_file", MemoryStat.Builder::setInactiveFile),
            entry("active_file", MemoryStat.Builder::setActiveFile),
            entry("unevictable", MemoryStat.Builder::setUnevictable),
            entry("hierarchical_memory_limit", MemoryStat.Builder::setHierarchicalMemoryLimit),
            entry("hierarchical_memsw_limit", MemoryStat.Builder::setHierarchicalSwapLimit),
            entry("total_cache", MemoryStat.Builder::setTotalCache),
            entry("total_rss", MemoryStat.Builder::setTotalRss),
            entry("total_rss_huge", MemoryStat.Builder::setTotalRssHuge),
            entry("total_mapped_file", MemoryStat.Builder::setTotalMappedFile),
            entry("total_dirty", MemoryStat.Builder::setTotalDirty),
            entry("total_writeback", MemoryStat.Builder::setTotalWriteback),
            entry("total_pgpgin", MemoryStat.Builder::setTotalPgPgIn),
            entry("total_pgpgout", MemoryStat.Builder::setTotalPgPgOut),
            entry("total_pgfault", MemoryStat.Builder::setTotalPgFault),
            entry("total_pgmajfault", MemoryStat.Builder::setTotalPgMajFault),
            entry("total_inactive_anon", MemoryStat.Builder::setTotalInactiveAnon),
            entry("total_active_anon", MemoryStat.Builder::setTotalActiveAnon),
            entry("total_inactive_file", MemoryStat.Builder::setTotalInactiveFile),
            entry("total_active_file", MemoryStat.Builder::setTotalActiveFile),
            entry("total_unevictable", MemoryStat.Builder::setTotalUnevictable));

    private MemoryReader() {
    }

    /** Fills {@code metrics.memory} and {@code metrics.memory_oom_control} from the memory cgroup {@code dir}. */
    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        Optional<String> stat = CgroupFiles.read(dir.resolve("memory.stat"));
        if (stat.isEmpty()) {
            return; // no memory controller here (or the cgroup is gone): containerd leaves memory out too
        }
        MemoryStat.Builder memory = parseStat(stat.get());
        // Always all four entries, even if a kernel lacks the files: `ctr task metrics` reads usage.usage blindly.
        memory.setUsage(counters(dir, "memory"))
                .setSwap(counters(dir, "memory.memsw"))
                .setKernel(counters(dir, "memory.kmem"))
                .setKernelTcp(counters(dir, "memory.kmem.tcp"));
        metrics.setMemory(memory);

        Optional<String> oomControl = CgroupFiles.read(dir.resolve("memory.oom_control"));
        if (oomControl.isPresent()) {
            metrics.setMemoryOomControl(parseOomControl(oomControl.get()));
        }
    }

    /** memory.stat's text → the MemoryStat fields it feeds. */
    public static MemoryStat.Builder parseStat(String text) {
        MemoryStat.Builder memory = MemoryStat.newBuilder();
        CgroupFiles.parseKeyValues(text).forEach((key, value) -> {
            ObjLongConsumer<MemoryStat.Builder> field = STAT_FIELDS.get(key);
            if (field != null) {
                field.accept(memory, value);
            }
        });
        return memory;
    }

    /** memory.oom_control's text: "oom_kill_disable 0", "under_oom 0", "oom_kill 3" (kernels 4.13+). */
    public static MemoryOomControl parseOomControl(String text) {
        Map<String, Long> values = CgroupFiles.parseKeyValues(text);
        return MemoryOomControl.newBuilder()
                .setOomKillDisable(values.getOrDefault("oom_kill_disable", 0L))
                .setUnderOom(values.getOrDefault("under_oom", 0L))
                .setOomKill(values.getOrDefault("oom_kill", 0L))
                .build();
    }

    /** {@code <prefix>.limit_in_bytes}, {@code .usage_in_bytes}, {@code .max_usage_in_bytes}, {@code .failcnt}. */
    private static MemoryEntry counters(Path dir, String prefix) throws IOException {
        return MemoryEntry.newBuilder()
                .setLimit(CgroupFiles.readUint(dir.resolve(prefix + ".limit_in_bytes")).orElse(0))
                .setUsage(CgroupFiles.readUint(dir.resolve(prefix + ".usage_in_bytes")).orElse(0))
                .setMax(CgroupFiles.readUint(dir.resolve(prefix + ".max_usage_in_bytes")).orElse(0))
                .setFailcnt(CgroupFiles.readUint(dir.resolve(prefix + ".failcnt")).orElse(0))
                .build();
    }
}
