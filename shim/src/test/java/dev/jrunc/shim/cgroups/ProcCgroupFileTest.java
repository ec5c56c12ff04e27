package dev.jrunc.shim.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ProcCgroupFileTest {

    @Test
    void hybridHostListsEveryV1HierarchyAndTheUnifiedOne() {
        ProcCgroupFile file = ProcCgroupFile.parse(Samples.PROC_PID_CGROUP_HYBRID);

        assertEquals("/cgx/g1", file.v1Paths().get("memory"));
        assertEquals("/cgx/g1", file.v1Paths().get("cpuacct"));
        assertEquals("/cgx/g1", file.v1Paths().get("name=systemd"));
        assertEquals(9, file.v1Paths().size());
        assertEquals(Optional.of("/cgx/g1"), file.unified());
    }

    @Test
    void controllersMountedTogetherShareTheirPath() {
        ProcCgroupFile file = ProcCgroupFile.parse("4:cpu,cpuacct:/kubepods/pod1/c1\n3:net_cls,net_prio:/x\n");

        assertEquals(Map.of("cpu", "/kubepods/pod1/c1", "cpuacct", "/kubepods/pod1/c1", "net_cls", "/x",
                "net_prio", "/x"), file.v1Paths());
        assertEquals(Optional.empty(), file.unified());
    }

    @Test
    void unifiedHostHasOnlyLineZero() {
        ProcCgroupFile file = ProcCgroupFile.parse("0::/system.slice/containerd.service/k8s.io/c1\n");

        assertEquals(Map.of(), file.v1Paths());
        assertEquals(Optional.of("/system.slice/containerd.service/k8s.io/c1"), file.unified());
    }

    @Test
    void aPathMayContainColons() {
        ProcCgroupFile file = ProcCgroupFile.parse("0::/system.slice/cri-containerd:abc.scope\n");

        assertEquals(Optional.of("/system.slice/cri-containerd:abc.scope"), file.unified());
    }
}
