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
import dev.jrunc.cri.proto.RunPodSandboxRequest;
import dev.jrunc.cri.proto.StartContainerRequest;
import lab09_cri.Lab09;

/** Lab 09 solution: the requests as kubelet builds them. */
public final class PodCalls implements Lab09.Exercise {

    @Override
    public RunPodSandboxRequest runPodSandbox(PodSandboxConfig config) {
        return RunPodSandboxRequest.newBuilder()
                .setConfig(config)
                .setRuntimeHandler(Lab09.HANDLER)   // RuntimeClass.handler, a key of containerd's CRI runtimes table
                .build();
    }

    @Override
    public String addContainer(CriClient cri, Pod pod, String podSandboxId, PodSandboxConfig sandboxConfig, String name,
                               List<String> command) {
        int attempt = 0;   // how often kubelet has restarted this container so far
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(attempt))
                .setImage(ImageSpec.newBuilder().setImage(Lab09.BUSYBOX))
                .addAllCommand(command)
                .addEnvs(KeyValue.newBuilder().setKey("POD_NAME").setValue(pod.name()))
                .setLogPath(name + "/" + attempt + ".log")
                // The pod's namespaces, as for every container: containerd reads the pid mode from here, and an enum
                // left unset is POD (0), the pause's pid namespace, although this pod shares no processes.
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(sandboxConfig.getLinux().getSecurityContext().getNamespaceOptions())))
                .build();
        String id = cri.createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(podSandboxId)       // into the pod's sandbox: containerd annotates it, the shim groups by it
                .setConfig(config)
                .setSandboxConfig(sandboxConfig)
                .build()).getContainerId();
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }
}
