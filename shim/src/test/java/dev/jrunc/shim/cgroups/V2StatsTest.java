package dev.jrunc.shim.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;

import dev.jrunc.shim.cgroups.v2.CpuReader;
import dev.jrunc.shim.cgroups.v2.IoReader;
import dev.jrunc.shim.cgroups.v2.MemoryEventsReader;
import dev.jrunc.shim.cgroups.v2.MemoryReader;
import dev.jrunc.shim.proto.cgroups.v2.CPUStat;
import dev.jrunc.shim.proto.cgroups.v2.IOEntry;
import dev.jrunc.shim.proto.cgroups.v2.MemoryEvents;
import dev.jrunc.shim.proto.cgroups.v2.MemoryStat;
import dev.jrunc.shim.proto.cgroups.v2.Metrics;

class V2StatsTest {

    @Test
    void cpuStatOfAContainer() {
        CPUStat cpu = CpuReader.parseStat(Samples.CPU_STAT_V2);

        assertEquals(45011, cpu.getUsageUsec());
        assertEquals(31508, cpu.getUserUsec());
        assertEquals(13503, cpu.getSystemUsec());
        assertEquals(0, cpu.getNrPeriods(), "no throttling figures without the cpu controller");
    }

    @Test
    void memoryStatKeysAreTheFieldNames() {
        MemoryStat memory = MemoryReader.parseStat(Samples.MEMORY_STAT_V2).build();

        assertEquals(1343488, memory.getAnon());
        assertEquals(4096, memory.getFile());
        assertEquals(32768, memory.getKernelStack());
        assertEquals(171024, memory.getSlab());
        assertEquals(54040, memory.getSlabReclaimable());
        assertEquals(116984, memory.getSlabUnreclaimable());
        assertEquals(1027, memory.getPgfault());
        assertEquals(1, memory.getPgactivate());
    }

    @Test
    void ioStatKeepsBytesAndOperationsPerDevice() {
        List<IOEntry> entries = IoReader.parseStat(Samples.IO_STAT);

        assertEquals(List.of(
                IOEntry.newBuilder().setMajor(254).setMinor(0).setRbytes(1048576).setWbytes(2097152).setRios(16).setWios(32).build(),
                IOEntry.newBuilder().setMajor(8).setMinor(16).setRbytes(4096).setRios(1).build()), entries);
        assertEquals(List.of(), IoReader.parseStat(""));
    }

    @Test
    void memoryEventsCountOomKills() {
        MemoryEvents events = MemoryEventsReader.parse(Samples.MEMORY_EVENTS_AFTER_OOM_KILL);

        assertEquals(37, events.getMax());
        assertEquals(1, events.getOom());
        assertEquals(1, events.getOomKill());
    }

    @Test
    void aWholeCgroupBecomesOneMetricsMessage(@TempDir Path dir) throws Exception {
        Samples.write(dir, "cgroup.events", Samples.CGROUP_EVENTS_POPULATED);
        Samples.write(dir, "cpu.stat", Samples.CPU_STAT_V2);
        Samples.write(dir, "pids.current", "1\n");
        Samples.write(dir, "pids.max", "max\n");
        Samples.write(dir, "memory.stat", Samples.MEMORY_STAT_V2);
        Samples.write(dir, "memory.current", "1638400\n");
        Samples.write(dir, "memory.max", "16777216\n");
        Samples.write(dir, "memory.swap.current", "0\n");
        Samples.write(dir, "memory.swap.max", "max\n");
        Samples.write(dir, "memory.events", Samples.MEMORY_EVENTS_AFTER_OOM_KILL);
        Samples.write(dir, "io.stat", Samples.IO_STAT);
        Samples.write(dir, "hugetlb.2MB.current", "0\n");
        Samples.write(dir, "hugetlb.2MB.max", "max\n");
        Samples.write(dir, "hugetlb.2MB.events", "max 0\n");
        Samples.write(dir, "hugetlb.2MB.rsvd.max", "max\n");

        Any any = new V2Cgroup(dir).stats();

        assertEquals("io.containerd.cgroups.v2.Metrics", any.getTypeUrl());
        Metrics metrics = Metrics.parseFrom(any.getValue());
        assertEquals(1, metrics.getPids().getCurrent());
        assertEquals("18446744073709551615", Long.toUnsignedString(metrics.getPids().getLimit()), "v2: max is 2^64-1");
        assertEquals(45011, metrics.getCpu().getUsageUsec());
        assertEquals(1638400, metrics.getMemory().getUsage());
        assertEquals(16777216, metrics.getMemory().getUsageLimit());
        assertEquals(CgroupFiles.UNLIMITED, metrics.getMemory().getSwapLimit());
        assertEquals(1343488, metrics.getMemory().getAnon());
        assertEquals(1, metrics.getMemoryEvents().getOomKill());
        assertEquals(2, metrics.getIo().getUsageCount());
        assertEquals(1, metrics.getHugetlbCount());
        assertEquals("2MB", metrics.getHugetlb(0).getPagesize());
        assertEquals(CgroupFiles.UNLIMITED, metrics.getHugetlb(0).getMax());
    }

    @Test
    void anEmptyCgroupFolderStillGivesTheMessagesContainerdAlwaysSends(@TempDir Path dir) throws Exception {
        Metrics metrics = Metrics.parseFrom(new V2Cgroup(dir).stats().getValue());

        assertEquals(Metrics.newBuilder()
                .setPids(metrics.getPids().getDefaultInstanceForType())
                .setCpu(metrics.getCpu().getDefaultInstanceForType())
                .setMemory(metrics.getMemory().getDefaultInstanceForType())
                .setIo(metrics.getIo().getDefaultInstanceForType())
                .setRdma(metrics.getRdma().getDefaultInstanceForType())
                .build(), metrics);
        assertFalse(metrics.hasMemoryEvents(), "only with a memory.events file");
    }

    @Test
    void aRemovedCgroupIsAnError(@TempDir Path dir) {
        assertThrows(IOException.class, () -> new V2Cgroup(dir.resolve("gone")).stats());
    }
}
