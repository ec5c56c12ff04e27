package lab09_cri.solution;

import java.util.List;

import dev.jrunc.cri.CriClient;
import dev.jrunc.cri.PodRequests.Pod;
import dev.jrunc.cri.proto.ContainerConfig;
import dev.jrunc.cri.proto.ContainerMetadata;
import dev.jrunc.cri.proto.CreateContainerRequest;
import dev.jrunc.cri.proto.ImageSpec;
import dev.jrunc.cri.proto.KeyValue;
import dev.jrunc.cri.proto.LinuxContainerConfig;
import dev.jrunc.cri.proto.LinuxContainerSecurityContext;
import dev.jrunc.cri.proto.PodSandboxConfig;
import dev.jrunc.cri.proto.StartContainerRequest;
import lab09_cri.Lab09;

/**
 * Lab 09 stretch solution: a new container with the restart count one higher; the dead one stays (kubelet removes
 * only older ones), so its log is still there for kubectl logs --previous.
 */
public final class RestartStretch implements Lab09.Stretch {

    @Override
    public String restart(CriClient cri, Pod pod, String podSandboxId, PodSandboxConfig sandboxConfig, String deadId, String name,
                          List<String> command) {
        int attempt = 1;   // kubelet reads the last one's attempt from ContainerStatus and adds one
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(attempt))
                .setImage(ImageSpec.newBuilder().setImage(Lab09.BUSYBOX))
                .addAllCommand(command)
                .addEnvs(KeyValue.newBuilder().setKey("POD_NAME").setValue(pod.name()))
                .setLogPath(name + "/" + attempt + ".log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(sandboxConfig.getLinux().getSecurityContext().getNamespaceOptions())))
                .build();
        String id = cri.createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(podSandboxId).setConfig(config).setSandboxConfig(sandboxConfig).build()).getContainerId();
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }
}
