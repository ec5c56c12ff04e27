package dev.jrunc.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jrunc.cri.proto.ContainerConfig;
import dev.jrunc.cri.proto.NamespaceMode;
import dev.jrunc.cri.proto.PodSandboxConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodRequestsTest {

    private final PodRequests.Pod pod = new PodRequests.Pod("web", "default", "1234-abcd");

    @Test
    void aHostNetworkSandboxUsesTheNodesNetworkAndKubeletsDefaultsOtherwise() {
        PodSandboxConfig c = PodRequests.hostNetworkSandbox(pod, Path.of("/var/log/pods/x"), "/kubepods/pod1234");

        var ns = c.getLinux().getSecurityContext().getNamespaceOptions();
        assertEquals(NamespaceMode.NODE, ns.getNetwork());
        assertEquals(NamespaceMode.CONTAINER, ns.getPid());
        assertEquals(NamespaceMode.POD, ns.getIpc());
        assertEquals("/kubepods/pod1234", c.getLinux().getCgroupParent());
        assertEquals("/var/log/pods/x", c.getLogDirectory());
        assertEquals("1234-abcd", c.getLabelsOrThrow(PodRequests.POD_UID_LABEL));
    }

    @Test
    void aContainerLogsToItsNameAndRestartCountAsKubeletDoes() {
        ContainerConfig c = PodRequests.container(pod, "app", "localhost/jrunc/busybox:1.0", List.of("sleep", "1"));

        assertEquals("app/0.log", c.getLogPath());
        assertEquals(List.of("sleep", "1"), c.getCommandList());
        assertEquals("app", c.getLabelsOrThrow(PodRequests.CONTAINER_NAME_LABEL));
        assertEquals("default_web_1234-abcd", pod.logDirectoryName());
    }
}
