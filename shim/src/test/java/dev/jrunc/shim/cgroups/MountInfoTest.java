package dev.jrunc.shim.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MountInfoTest {

    @Test
    void findsEachV1HierarchyByItsSuperOptions() {
        MountInfo mounts = MountInfo.parse(Samples.MOUNTINFO_HYBRID);

        assertEquals(Path.of("/sys/fs/cgroup/memory"), mounts.v1Hierarchy("memory").orElseThrow().mountPoint());
        assertEquals(Path.of("/sys/fs/cgroup/cpuacct"), mounts.v1Hierarchy("cpuacct").orElseThrow().mountPoint());
        assertEquals(Path.of("/sys/fs/cgroup/systemd"), mounts.v1Hierarchy("name=systemd").orElseThrow().mountPoint());
        assertTrue(mounts.v1Hierarchy("hugetlb").isEmpty(), "this host has no v1 hugetlb hierarchy");
        assertTrue(mounts.v1Hierarchy("rw").isPresent(), "rw is an option, but of every hierarchy: never asked");
    }

    @Test
    void findsTheUnifiedHierarchy() {
        MountInfo mounts = MountInfo.parse(Samples.MOUNTINFO_HYBRID);

        MountInfo.Mount unified = mounts.unifiedHierarchy(Path.of("/sys/fs/cgroup")).orElseThrow();
        assertEquals(Path.of("/sys/fs/cgroup/unified"), unified.mountPoint(), "the only cgroup2 mount of a hybrid host");
        assertEquals("cgroup2", unified.type());
    }

    @Test
    void cpuAndCpuacctMountedTogether() {
        MountInfo mounts = MountInfo.parse(
                "28 22 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct\n");

        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), mounts.v1Hierarchy("cpu").orElseThrow().mountPoint());
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), mounts.v1Hierarchy("cpuacct").orElseThrow().mountPoint());
        assertEquals(List.of("rw", "cpu", "cpuacct"), mounts.v1Hierarchy("cpu").orElseThrow().superOptions());
    }

    @Test
    void optionalFieldsBeforeTheSeparatorAreSkipped() {
        MountInfo mounts = MountInfo.parse(
                "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 master:2 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");

        MountInfo.Mount mount = mounts.mounts().get(0);
        assertEquals("cgroup2", mount.type());
        assertEquals(List.of("rw", "nsdelegate", "memory_recursiveprot"), mount.superOptions());
    }

    @Test
    void aCgroupDirectoryIsItsPathUnderTheMountPoint() {
        MountInfo.Mount memory = MountInfo.parse(Samples.MOUNTINFO_HYBRID).v1Hierarchy("memory").orElseThrow();

        assertEquals(Path.of("/sys/fs/cgroup/memory/cgx/g1"), memory.directoryOf("/cgx/g1"));
        assertEquals(Path.of("/sys/fs/cgroup/memory"), memory.directoryOf("/"));
    }

    @Test
    void whenOnlyASubtreeIsMountedItsRootIsCutOff() {
        // Inside a container: the host's /docker/abc is this namespace's hierarchy root.
        MountInfo.Mount memory = MountInfo.parse(
                "700 690 0:31 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n")
                .v1Hierarchy("memory").orElseThrow();

        assertEquals(Path.of("/sys/fs/cgroup/memory/c1"), memory.directoryOf("/docker/abc/c1"));
        assertEquals(Path.of("/sys/fs/cgroup/memory"), memory.directoryOf("/docker/abc"));
        assertEquals(Path.of("/sys/fs/cgroup/memory/c1"), memory.directoryOf("/c1"), "already relative (cgroupns)");
    }

    @Test
    void escapedCharactersInPathsAreDecoded() {
        MountInfo mounts = MountInfo.parse("50 26 0:40 / /mnt/with\\040space rw - cgroup cgroup rw,pids\n");

        assertEquals(Path.of("/mnt/with space"), mounts.v1Hierarchy("pids").orElseThrow().mountPoint());
        assertEquals("back\\slash", MountInfo.unescape("back\\134slash"));
        assertEquals("not\\9escape", MountInfo.unescape("not\\9escape"));
    }

    @Test
    void linesThatAreNoMountsAreIgnored() {
        assertEquals(List.of(), MountInfo.parse("\ngarbage\n1 2 3\n").mounts());
    }
}
