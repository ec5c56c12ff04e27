package lab09_cri.exercise;

import dev.jrunc.cri.proto.ContainerConfig;
import dev.jrunc.cri.proto.CreateContainerRequest;
import dev.jrunc.cri.proto.PodSandboxConfig;
import dev.jrunc.cri.proto.RunPodSandboxRequest;
import lab09_cri.Lab09;

/**
 * Lab 09 exercise: the two requests that decide where a pod runs. kubelet sends them; here you build them.
 * The messages are our own runtime.v1 subset: shim/src/main/proto/runtime/v1/cri.proto (package dev.jrunc.cri.proto).
 *
 * <p>Run it: {@code jbang lab09}. Check it: {@code ./verify.sh lab09}.
 */
public final class PodCalls implements Lab09.Exercise {

    @Override
    public RunPodSandboxRequest runPodSandbox(PodSandboxConfig config) {
        // TODO(lab09): 1. the request carries the pod's sandbox config, and the name of containerd's CRI runtime
        //   handler that must run it: Lab09.HANDLER ("jrunc"). kubelet takes that name from the pod's RuntimeClass
        //   (RuntimeClass.handler); containerd looks it up in its config (…cri".containerd.runtimes.jrunc) and
        //   finds runtime_type io.containerd.jrunc.v2, i.e. the program containerd-shim-jrunc-v2.
        //   RunPodSandboxRequest.newBuilder().setConfig(…).setRuntimeHandler(…).build()
        return RunPodSandboxRequest.getDefaultInstance();
    }

    @Override
    public CreateContainerRequest createContainer(String podSandboxId, ContainerConfig container, PodSandboxConfig sandboxConfig) {
        // TODO(lab09): 2. a container is created IN a sandbox: the request names the sandbox (the id RunPodSandbox
        //   returned), the container's config, and the sandbox's config once more (kubelet always resends it).
        //   Containerd then puts io.kubernetes.cri.sandbox-id=<podSandboxId> on the container, and that annotation is
        //   what makes the shim's `start` find the pod's shim instead of starting a new one.
        return CreateContainerRequest.getDefaultInstance();
    }
}
