package lab09_cri.solution;

import dev.jrunc.cri.proto.ContainerConfig;
import dev.jrunc.cri.proto.CreateContainerRequest;
import dev.jrunc.cri.proto.PodSandboxConfig;
import dev.jrunc.cri.proto.RunPodSandboxRequest;
import lab09_cri.Lab09;

/** Lab 09 solution: the two requests as kubelet builds them. */
public final class PodCalls implements Lab09.Exercise {

    @Override
    public RunPodSandboxRequest runPodSandbox(PodSandboxConfig config) {
        return RunPodSandboxRequest.newBuilder()
                .setConfig(config)
                .setRuntimeHandler(Lab09.HANDLER)   // RuntimeClass.handler, a key of containerd's CRI runtimes table
                .build();
    }

    @Override
    public CreateContainerRequest createContainer(String podSandboxId, ContainerConfig container, PodSandboxConfig sandboxConfig) {
        return CreateContainerRequest.newBuilder()
                .setPodSandboxId(podSandboxId)
                .setConfig(container)
                .setSandboxConfig(sandboxConfig)
                .build();
    }
}
