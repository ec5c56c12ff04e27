package lab09_cri.exercise;

import java.util.List;

import dev.jrunc.cri.CriClient;
import dev.jrunc.cri.PodRequests.Pod;
import dev.jrunc.cri.proto.PodSandboxConfig;
import dev.jrunc.cri.proto.RunPodSandboxRequest;
import lab09_cri.Lab09;

/**
 * Lab 09 exercise: kubelet's calls for a pod of two containers. The messages are our own runtime.v1 subset:
 * shim/src/main/proto/runtime/v1/cri.proto (package dev.jrunc.cri.proto); the client: dev.jrunc.cri.CriClient.
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
        return RunPodSandboxRequest.getDefaultInstance();
    }

    @Override
    public String addContainer(CriClient cri, Pod pod, String podSandboxId, PodSandboxConfig sandboxConfig, String name,
                               List<String> command) {
        // TODO(lab09): 2. kubelet's calls for one container of the running pod, called for "app" and then for a
        //   second container, "sidecar". Its config: the name (unique in the pod) and its restart count (0 so far),
        //   the image Lab09.BUSYBOX, the command, the log path (relative to the sandbox's log folder; kubelet's
        //   layout: <name>/<restart count>.log), one environment variable, POD_NAME = the pod's name (the pod spec
        //   asks for it: the downward API), and which of the pod's namespaces it joins: kubelet gives every container
        //   the pod's namespace options, those of the sandbox's config (this pod shares ipc and the host's network,
        //   and no processes). Then CreateContainer in the pod's sandbox (kubelet resends the sandbox's config with
        //   it), and StartContainer. Return the container's id.
        //   The lab checks what a node would show: one shim for the whole pod, the sandbox-id annotation on each
        //   container, its state, its log, and its namespaces next to the pause's.
        return null;
    }
}
