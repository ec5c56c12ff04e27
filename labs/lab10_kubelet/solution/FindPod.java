package lab10_kubelet.solution;

import java.util.ArrayList;
import java.util.List;

import dev.jrunc.cri.CriClient;
import dev.jrunc.cri.PodRequests;
import dev.jrunc.cri.VerboseInfo;
import dev.jrunc.cri.proto.Container;
import dev.jrunc.cri.proto.ContainerFilter;
import dev.jrunc.cri.proto.ContainerState;
import dev.jrunc.cri.proto.ContainerStateValue;
import dev.jrunc.cri.proto.ContainerStatusRequest;
import dev.jrunc.cri.proto.ListContainersRequest;
import dev.jrunc.cri.proto.ListPodSandboxRequest;
import dev.jrunc.cri.proto.PodSandbox;
import dev.jrunc.cri.proto.PodSandboxFilter;
import dev.jrunc.cri.proto.PodSandboxState;
import dev.jrunc.cri.proto.PodSandboxStateValue;
import dev.jrunc.cri.proto.PodSandboxStatusRequest;
import kit.HostProcesses;
import lab10_kubelet.Lab10;

/** Lab 10 solution: from a pod's namespace and name to its sandbox, its shim and its containers' pids. */
public final class FindPod implements Lab10.Exercise {

    @Override
    public Lab10.PodOnHost find(CriClient cri, String namespace, String name) throws Exception {
        // 1. Name AND namespace (kubelet's labels), and READY: an earlier sandbox of the same pod may linger, NOTREADY.
        List<PodSandbox> sandboxes = cri.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                .putLabelSelector(PodRequests.POD_NAMESPACE_LABEL, namespace)
                .putLabelSelector(PodRequests.POD_NAME_LABEL, name)
                .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY))).build()).getItemsList();
        if (sandboxes.size() != 1) {
            throw new IllegalStateException(sandboxes.size() + " READY sandboxes for " + namespace + "/" + name);
        }
        String sandboxId = sandboxes.get(0).getId();

        // 2. The pause process is the shim's child: containerd's verbose status has its pid, /proc its parent.
        long pause = VerboseInfo.pid(cri.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(sandboxId).setVerbose(true).build()).getInfoMap()).orElseThrow();
        long shim = HostProcesses.ppid(pause);

        // 3. The sandbox's running containers; each one's pid is its init process.
        List<Long> pids = new ArrayList<>();
        for (Container c : cri.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
                .setPodSandboxId(sandboxId)
                .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING))).build()).getContainersList()) {
            pids.add(VerboseInfo.pid(cri.containerStatus(ContainerStatusRequest.newBuilder()
                    .setContainerId(c.getId()).setVerbose(true).build()).getInfoMap()).orElseThrow());
        }
        return new Lab10.PodOnHost(sandboxId, shim, pids);
    }
}
