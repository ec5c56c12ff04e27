package dev.jrunc.shim.cgroups.v2;

import static java.util.Map.entry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.ObjLongConsumer;

import dev.jrunc.shim.cgroups.CgroupFiles;
import dev.jrunc.shim.proto.cgroups.v2.MemoryStat;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;

/**
 * The v2 memory controller: memory.stat (same key names as the fields), the usage and limit files, and
 * memory.events.
 */
public final class MemoryReader {

    /** memory.stat key → MemoryStat field; newer keys (zswap, workingset_refault_anon, …) are not kept. */
    private static final Map<String, ObjLongConsumer<MemoryStat.Builder>> STAT_FIELDS = Map.ofEntries(
            entry("anon", MemoryStat.Builder::setAnon),
            entry("file", MemoryStat.Builder::setFile),
            entry("kernel_stack", MemoryStat.Builder::setKernelStack),
            entry("slab", MemoryStat.Builder::setSlab),
            entry("sock", MemoryStat.Builder::setSock),
            entry("shmem", MemoryStat.Builder::setShmem),
            entry("file_mapped", MemoryStat.Builder::setFileMapped),
            entry("file_dirty", MemoryStat.Builder::setFileDirty),
            entry("file_writeback", MemoryStat.Builder::setFileWriteback),
            entry("anon_thp", MemoryStat.Builder::setAnonThp),
            entry("inactive_anon", MemoryStat.Builder::setInactiveAnon),
            entry("active_anon", MemoryStat.Builder::setActiveAnon),
            entry("inactive_file", MemoryStat.Builder::setInactiveFile),
            entry("active_file", MemoryStat.Builder::setActiveFile),
            entry("unevictable", MemoryStat.Builder::setUnevictable),
            entry("slab_reclaimable", MemoryStat.Builder::setSlabReclaimable),
            entry("slab_unreclaimable", MemoryStat.Builder::setSlabUnreclaimable),
            entry("pgfault", MemoryStat.Builder::setPgfault),
            entry("pgmajfault", MemoryStat.Builder::setPgmajfault),
            entry("workingset_refault", MemoryStat.Builder::setWorkingsetRefault),
            entry("workingset_activate", MemoryStat.Builder::setWorkingsetActivate),
            entry("workingset_nodereclaim", MemoryStat.Builder::setWorkingsetNodereclaim),
            entry("pgrefill", MemoryStat.Builder::setPgrefill),
            entry("pgscan", MemoryStat.Builder::setPgscan),
            entry("pgsteal", MemoryStat.Builder::setPgsteal),
            entry("pgactivate", MemoryStat.Builder::setPgactivate),
            entry("pgdeactivate", MemoryStat.Builder::setPgdeactivate),
            entry("pglazyfree", MemoryStat.Builder::setPglazyfree),
            entry("pglazyfreed", MemoryStat.Builder::setPglazyfreed),
            entry("thp_fault_alloc", MemoryStat.Builder::setThpFaultAlloc),
            entry("thp_collapse_alloc", MemoryStat.Builder::setThpCollapseAlloc));

    private MemoryReader() {
    }

    public static void read(Path dir, Metrics.Builder metrics) throws IOException {
        // containerd always sends the memory figures on v2, zeros included; limits "max" become 2^64-1.
        MemoryStat.Builder memory = parseStat(CgroupFiles.read(dir.resolve("memory.stat")).orElse(""))
                .setUsage(CgroupFiles.readLimit(dir.resolve("memory.current"), CgroupFiles.UNLIMITED, 0))
                .setUsageLimit(CgroupFiles.readLimit(dir.resolve("memory.max"), CgroupFiles.UNLIMITED, 0))
                .setSwapUsage(CgroupFiles.readLimit(dir.resolve("memory.swap.current"), CgroupFiles.UNLIMITED, 0))
                .setSwapLimit(CgroupFiles.readLimit(dir.resolve("memory.swap.max"), CgroupFiles.UNLIMITED, 0));
        metrics.setMemory(memory);
        MemoryEventsReader.read(dir, metrics);
    }

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
}
