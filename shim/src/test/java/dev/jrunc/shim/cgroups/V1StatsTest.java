package dev.jrunc.shim.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;

import dev.jrunc.shim.cgroups.v1.BlkioReader;
import dev.jrunc.shim.cgroups.v1.CpuReader;
import dev.jrunc.shim.cgroups.v1.CpuacctReader;
import dev.jrunc.shim.cgroups.v1.HugePageSizes;
import dev.jrunc.shim.cgroups.v1.MemoryReader;
import dev.jrunc.shim.cgroups.v1.RdmaReader;
import dev.jrunc.shim.proto.cgroups.v1.BlkIOEntry;
import dev.jrunc.shim.proto.cgroups.v1.MemoryStat;
import dev.jrunc.shim.proto.cgroups.v1.Metrics;
import dev.jrunc.shim.proto.cgroups.v1.RdmaEntry;
import dev.jrunc.shim.proto.cgroups.v1.Throttle;

class V1StatsTest {

    @Test
    void memoryStatKeysLandInTheirFields() {
        MemoryStat memory = MemoryReader.parseStat(Samples.MEMORY_STAT).build();

        assertEquals(53248, memory.getRss());
        assertEquals(411, memory.getPgPgIn(), "pgpgin → pg_pg_in");
        assertEquals(398, memory.getPgPgOut());
        assertEquals(686, memory.getPgFault());
        assertEquals(49152, memory.getInactiveAnon());
        assertEquals(4096, memory.getActiveAnon());
        assertEquals(33554432, memory.getHierarchicalMemoryLimit());
        assertEquals(9223372036854771712L, memory.getHierarchicalSwapLimit(), "hierarchical_memsw_limit");
        assertEquals(53248, memory.getTotalRss());
        assertEquals(686, memory.getTotalPgFault());
        assertEquals(4096, memory.getTotalActiveAnon());
    }

    @Test
    void oomControlCountsKills() {
        assertEquals(0, MemoryReader.parseOomControl(Samples.MEMORY_OOM_CONTROL).getOomKill());
        assertEquals(2, MemoryReader.parseOomControl("oom_kill_disable 0\nunder_oom 1\noom_kill 2\n").getOomKill());
        assertEquals(1, MemoryReader.parseOomControl("oom_kill_disable 0\nunder_oom 1\noom_kill 2\n").getUnderOom());
    }

    @Test
    void cpuStatGivesThrottling() {
        assertEquals(Throttle.getDefaultInstance(), CpuReader.parseStat(Samples.CPU_STAT_V1));
        Throttle throttled = CpuReader.parseStat("nr_periods 250\nnr_throttled 40\nthrottled_time 1960000000\nnr_bursts 0\n");
        assertEquals(250, throttled.getPeriods());
        assertEquals(40, throttled.getThrottledPeriods());
        assertEquals(1960000000L, throttled.getThrottledTime());
    }

    @Test
    void perCpuUsageIsOneNumberPerCpu() {
        assertEquals(List.of(8204948L, 36806850L), CpuacctReader.parsePerCpu(Samples.CPUACCT_USAGE_PERCPU));
    }

    @Test
    void blkioLinesWithAndWithoutOperation() {
        Map<String, String> devices = BlkioReader.parsePartitions(Samples.PROC_PARTITIONS);
        assertEquals(Map.of("254:0", "/dev/vda"), devices);

        // Real on the reference machine (no I/O accounted): only the total line, which is skipped.
        assertEquals(List.of(), BlkioReader.parseEntries("Total 0\n", devices));
        // The format of Documentation/admin-guide/cgroup-v1/blkio-controller.rst.
        List<BlkIOEntry> entries = BlkioReader.parseEntries(
                "254:0 Read 1048576\n254:0 Write 2097152\n254:0 Sync 0\n254:0 Async 3145728\n254:0 Discard 0\n"
                        + "254:0 Total 3145728\n8:16 4096\nTotal 3145728\n", devices);
        assertEquals(7, entries.size());
        assertEquals(BlkIOEntry.newBuilder().setOp("Read").setDevice("/dev/vda").setMajor(254).setMinor(0)
                .setValue(1048576).build(), entries.get(0));
        assertEquals(BlkIOEntry.newBuilder().setMajor(8).setMinor(16).setValue(4096).build(), entries.get(6),
                "a device /proc/partitions does not list gets no name; a line without operation no op");
    }

    @Test
    void hugePageSizesAreNamedLikeTheControllersFiles() {
        assertEquals("2MB", HugePageSizes.name(2048L * 1024));
        assertEquals("1GB", HugePageSizes.name(1024L * 1024 * 1024));
        assertEquals("64KB", HugePageSizes.name(64L * 1024));
        assertEquals("512MB", HugePageSizes.name(512L * 1024 * 1024));
    }

    @Test
    void rdmaLines() {
        List<RdmaEntry> entries = RdmaReader.parse("mlx4_0 hca_handle=2 hca_object=2000\nocrdma1 hca_handle=max hca_object=max\n");
        assertEquals(2, entries.size());
        assertEquals(2000, entries.get(0).getHcaObjects());
        assertEquals("4294967295", Integer.toUnsignedString(entries.get(1).getHcaHandles()));
    }

    /** A whole v1 cgroup, each controller in its own folder as on the reference machine, read into a Metrics. */
    @Test
    void aWholeCgroupBecomesOneMetricsMessage(@TempDir Path root) throws Exception {
        Path memory = root.resolve("memory/cgx/g1");
        Samples.write(memory, "memory.stat", Samples.MEMORY_STAT);
        Samples.write(memory, "memory.oom_control", Samples.MEMORY_OOM_CONTROL);
        Samples.write(memory, "memory.limit_in_bytes", "33554432\n");
        Samples.write(memory, "memory.usage_in_bytes", "286720\n");
        Samples.write(memory, "memory.max_usage_in_bytes", "2441216\n");
        Samples.write(memory, "memory.failcnt", "0\n");
        Samples.write(memory, "memory.kmem.limit_in_bytes", "9223372036854771712\n");
        Samples.write(memory, "memory.kmem.usage_in_bytes", "233472\n");
        // no memory.memsw.* (swap accounting off) and no memory.kmem.tcp.*: ignored, figures stay 0
        Path cpu = root.resolve("cpu/cgx/g1");
        Samples.write(cpu, "cpu.stat", Samples.CPU_STAT_V1);
        Path cpuacct = root.resolve("cpuacct/cgx/g1");
        Samples.write(cpuacct, "cpuacct.usage", "45011798\n");
        Samples.write(cpuacct, "cpuacct.stat", Samples.CPUACCT_STAT);
        Samples.write(cpuacct, "cpuacct.usage_percpu", Samples.CPUACCT_USAGE_PERCPU);
        Path pids = root.resolve("pids/cgx/g1");
        Samples.write(pids, "pids.current", "1\n");
        Samples.write(pids, "pids.max", "max\n");
        Path blkio = root.resolve("blkio/cgx/g1");
        Samples.write(blkio, "blkio.throttle.io_service_bytes", "Total 0\n");
        Samples.write(blkio, "blkio.throttle.io_serviced", "Total 0\n");

        Any any = new V1Cgroup(Map.of("memory", memory, "cpu", cpu, "cpuacct", cpuacct, "pids", pids, "blkio", blkio))
                .stats();

        assertEquals("io.containerd.cgroups.v1.Metrics", any.getTypeUrl(), "a bare name, as containerd 1.6 reads it");
        Metrics metrics = Metrics.parseFrom(any.getValue());
        assertEquals(33554432, metrics.getMemory().getUsage().getLimit());
        assertEquals(286720, metrics.getMemory().getUsage().getUsage());
        assertEquals(2441216, metrics.getMemory().getUsage().getMax());
        assertEquals(233472, metrics.getMemory().getKernel().getUsage());
        assertTrue(metrics.getMemory().hasSwap() && metrics.getMemory().hasKernelTcp(), "always there, for ctr");
        assertEquals(0, metrics.getMemory().getSwap().getUsage());
        assertEquals(53248, metrics.getMemory().getRss());
        assertTrue(metrics.hasMemoryOomControl());
        assertEquals(45011798, metrics.getCpu().getUsage().getTotal());
        assertEquals(30_000_000, metrics.getCpu().getUsage().getUser(), "3 ticks of 10 ms");
        assertEquals(10_000_000, metrics.getCpu().getUsage().getKernel());
        assertEquals(List.of(8204948L, 36806850L), metrics.getCpu().getUsage().getPerCpuList());
        assertTrue(metrics.getCpu().hasThrottling());
        assertEquals(1, metrics.getPids().getCurrent());
        assertEquals(0, metrics.getPids().getLimit(), "v1 reports no pids limit as 0");
        assertTrue(metrics.hasBlkio());
        assertEquals(0, metrics.getBlkio().getIoServiceBytesRecursiveCount());
        assertFalse(metrics.hasRdma());
        assertEquals(0, metrics.getHugetlbCount());
    }

    @Test
    void withoutCpuControllersCpuIsStillThereForCtr(@TempDir Path root) throws Exception {
        Path pids = root.resolve("pids");
        Samples.write(pids, "pids.current", "3\n");
        Samples.write(pids, "pids.max", "100\n");

        Metrics metrics = Metrics.parseFrom(new V1Cgroup(Map.of("pids", pids)).stats().getValue());

        assertTrue(metrics.getCpu().hasUsage() && metrics.getCpu().hasThrottling());
        assertFalse(metrics.hasMemory());
        assertEquals(100, metrics.getPids().getLimit());
    }

    @Test
    void aRemovedCgroupGivesNoFiguresAndNoError(@TempDir Path root) throws Exception {
        Metrics metrics = Metrics.parseFrom(new V1Cgroup(Map.of("memory", root.resolve("gone"),
                "pids", root.resolve("gone"))).stats().getValue());

        assertFalse(metrics.hasMemory());
        assertFalse(metrics.hasPids());
    }
}
