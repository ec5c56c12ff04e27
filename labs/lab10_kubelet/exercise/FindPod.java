package lab10_kubelet.exercise;

import java.util.List;

import dev.jrunc.cri.CriClient;
import lab10_kubelet.Lab10;

/**
 * Lab 10 exercise: kubelet says "pod default/web-jrunc-lab10 is Running". Where is it on this machine? Find its
 * sandbox, the shim serving it, and the pid of each of its running containers, with CRI (containerd's socket, as
 * kubelet uses it) and /proc only.
 *
 * <p>What you have: {@code cri.listPodSandbox(…)}, {@code cri.podSandboxStatus(…)}, {@code cri.listContainers(…)},
 * {@code cri.containerStatus(…)} (request messages in dev.jrunc.cri.proto, built with {@code newBuilder()});
 * {@code dev.jrunc.cri.VerboseInfo.pid(response.getInfoMap())} reads the pid containerd adds to a status asked for
 * with {@code setVerbose(true)}; {@code kit.HostProcesses.ppid(pid)} and {@code .arguments(pid)} read /proc.
 * The labels kubelet puts on every sandbox and container: {@code dev.jrunc.cri.PodRequests.POD_NAME_LABEL},
 * {@code POD_NAMESPACE_LABEL}.
 *
 * <p>Run it: {@code jbang lab10}. Check it: {@code ./verify.sh lab10}.
 */
public final class FindPod implements Lab10.Exercise {

    @Override
    public Lab10.PodOnHost find(CriClient cri, String namespace, String name) throws Exception {
        // TODO(lab10): 1. the pod's sandbox: ListPodSandbox, filtered (PodSandboxFilter) so that exactly one READY
        //   sandbox is left. A pod's name is unique within its namespace only: this lab runs two pods called
        //   web-jrunc-lab10, in namespaces default and other, and asks you for both.
        // TODO(lab10): 2. the shim serving it: the parent of the sandbox's pause process (PodSandboxStatus with
        //   verbose = true has the pause's pid). Or the containerd-shim-* process whose arguments say -id <sandbox id>.
        // TODO(lab10): 3. the pid of each RUNNING container of that sandbox: ListContainers filtered by the sandbox id
        //   and the state (pod web also has an init container, which has exited), then ContainerStatus (verbose) of
        //   each. A container's pid is its init process: not the pause (that is the sandbox), not a child of the init,
        //   not a probe's exec.
        return new Lab10.PodOnHost("", 0, List.of());
    }
}
