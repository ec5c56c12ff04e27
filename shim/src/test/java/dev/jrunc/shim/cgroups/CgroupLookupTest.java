package dev.jrunc.shim.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** From /proc/PID/cgroup and the mount table to the cgroup's directories, with hierarchies mounted in a temp folder. */
class CgroupLookupTest {

    @Test
    void v1FindsEachControllersDirectoryUnderItsOwnMount(@TempDir Path root) throws Exception {
        MountInfo mounts = MountInfo.parse(Samples.MOUNTINFO_HYBRID.replace("/sys/fs/cgroup", root.toString()));
        Files.createDirectories(root.resolve("memory/cgx/g1"));
        Files.createDirectories(root.resolve("pids/cgx/g1"));
        Files.createDirectories(root.resolve("cpuacct/other")); // not this process's cgroup

        V1Cgroup cgroup = (V1Cgroup) V1Cgroup.of(ProcCgroupFile.parse(Samples.PROC_PID_CGROUP_HYBRID), mounts).orElseThrow();

        assertEquals(Optional.of(root.resolve("memory/cgx/g1")), cgroup.directory("memory"));
        assertEquals(Optional.of(root.resolve("pids/cgx/g1")), cgroup.directory("pids"));
        assertEquals(Optional.empty(), cgroup.directory("cpuacct"), "a missing directory is a missing controller");
        assertEquals(Optional.empty(), cgroup.directory("hugetlb"), "no hierarchy mounted for it");
    }

    @Test
    void v1CgroupWhoseDirectoriesAreAllGoneIsNone(@TempDir Path root) {
        MountInfo mounts = MountInfo.parse(Samples.MOUNTINFO_HYBRID.replace("/sys/fs/cgroup", root.toString()));

        assertEquals(Optional.empty(), V1Cgroup.of(ProcCgroupFile.parse(Samples.PROC_PID_CGROUP_HYBRID), mounts));
    }

    @Test
    void v2FindsTheDirectoryUnderTheUnifiedMount(@TempDir Path root) throws Exception {
        MountInfo mounts = MountInfo.parse("35 24 0:30 / " + root + " rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
        Files.createDirectories(root.resolve("system.slice/c1"));

        Optional<Cgroup> cgroup = V2Cgroup.of(ProcCgroupFile.parse("0::/system.slice/c1\n"), mounts, root);

        assertTrue(cgroup.isPresent());
        assertEquals(root.resolve("system.slice/c1"), ((V2Cgroup) cgroup.get()).directory());
        assertEquals(Optional.empty(), V2Cgroup.of(ProcCgroupFile.parse("0::/system.slice/gone\n"), mounts, root));
        assertEquals(Optional.empty(), V2Cgroup.of(ProcCgroupFile.parse("4:memory:/c1\n"), mounts, root),
                "a process without a v2 line");
    }
}
