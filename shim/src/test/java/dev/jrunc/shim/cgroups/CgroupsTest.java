package dev.jrunc.shim.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;

/** {@link Cgroups#ofProcess} on the machine the tests run on, whatever its cgroup mode. */
class CgroupsTest {

    @Test
    void ourOwnProcessHasACgroupWithFigures() throws Exception {
        int self = (int) ProcessHandle.current().pid();

        Cgroup cgroup = Cgroups.ofProcess(self).orElseThrow();
        Any stats = cgroup.stats();

        assertTrue(Set.of("io.containerd.cgroups.v1.Metrics", "io.containerd.cgroups.v2.Metrics").contains(stats.getTypeUrl()),
                stats.getTypeUrl());
        if (cgroup instanceof V1Cgroup v1) {
            assertEquals("io.containerd.cgroups.v1.Metrics", stats.getTypeUrl());
            assertTrue(v1.directory("memory").map(Files::isDirectory).orElse(true), cgroup::toString);
            var metrics = dev.jrunc.shim.proto.cgroups.v1.Metrics.parseFrom(stats.getValue());
            assertTrue(metrics.hasCpu(), metrics::toString);
            if (v1.directory("memory").isPresent()) {
                assertTrue(metrics.getMemory().getUsage().getUsage() > 0, metrics::toString);
            }
        } else {
            assertTrue(Files.isDirectory(((V2Cgroup) cgroup).directory()));
            var metrics = dev.jrunc.shim.proto.cgroups.v2.Metrics.parseFrom(stats.getValue());
            assertTrue(metrics.getPids().getCurrent() > 0, metrics::toString);
        }
    }

    @Test
    void aProcessThatIsGoneHasNone() throws Exception {
        // the shim's Reaper, not ProcessBuilder: other test classes in this JVM run its waitpid(-1)
        int pid = dev.jrunc.shim.reaper.Reaper.start().spawn(dev.jrunc.shim.posix.Spawn.of("/bin/true", java.util.List.of("true")))
                .await().pid();

        assertEquals(Optional.empty(), Cgroups.ofProcess(pid));
        assertEquals(Optional.empty(), Cgroups.ofProcess(0));
        assertEquals(Optional.empty(), Cgroups.ofProcess(-1));
    }

    @Test
    void theModeIsTheFileSystemOnSysFsCgroup() throws Exception {
        String ours = Files.readString(Path.of("/proc/self/cgroup"));
        boolean unifiedOnly = ours.strip().lines().allMatch(l -> l.startsWith("0::"));
        Cgroup cgroup = Cgroups.ofProcess((int) ProcessHandle.current().pid()).orElseThrow();

        // A process is listed in v1 hierarchies exactly when the host is not in unified mode.
        assertEquals(unifiedOnly, cgroup instanceof V2Cgroup, ours);
    }
}
