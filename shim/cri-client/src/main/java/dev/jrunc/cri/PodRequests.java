package dev.jrunc.cri;

import dev.jrunc.cri.proto.ContainerConfig;
import dev.jrunc.cri.proto.ContainerMetadata;
import dev.jrunc.cri.proto.ImageSpec;
import dev.jrunc.cri.proto.KeyValue;
import dev.jrunc.cri.proto.LinuxPodSandboxConfig;
import dev.jrunc.cri.proto.LinuxSandboxSecurityContext;
import dev.jrunc.cri.proto.NamespaceMode;
import dev.jrunc.cri.proto.NamespaceOption;
import dev.jrunc.cri.proto.PodSandboxConfig;
import dev.jrunc.cri.proto.PodSandboxMetadata;
import java.nio.file.Path;
import java.util.List;

/**
 * The requests kubelet builds for a pod, reduced to what a pod without volumes, probes or a pod network needs.
 * The labels and the log layout are kubelet's, so that what containerd and the shim see (annotations, the
 * {@code /var/log/pods/…} style log path) looks as it does on a node.
 */
public final class PodRequests {

    /** Labels kubelet puts on every sandbox and container; containerd and crictl show them. */
    public static final String POD_NAME_LABEL = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
    public static final String POD_UID_LABEL = "io.kubernetes.pod.uid";
    public static final String CONTAINER_NAME_LABEL = "io.kubernetes.container.name";

    /** The PATH a busybox image's config would set; containers get it through the image config and this. */
    public static final String BUSYBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private PodRequests() {
    }

    /**
     * Who a pod is: its API object's name, namespace and uid.
     *
     * @param name      metadata.name
     * @param namespace metadata.namespace
     * @param uid       metadata.uid (kubelet's pod folders and the pod's cgroup are named after it)
     */
    public record Pod(String name, String namespace, String uid) {

        /** kubelet's folder name under /var/log/pods: {@code <namespace>_<name>_<uid>}. */
        public String logDirectoryName() {
            return namespace + "_" + name + "_" + uid;
        }
    }

    /**
     * RunPodSandbox's config for a pod with {@code hostNetwork: true}: network namespace NODE (so containerd calls
     * no CNI plugin), pid namespace per container and ipc per pod, as kubelet sets them by default.
     *
     * @param logDirectory the pod's log folder (kubelet: /var/log/pods/&lt;namespace&gt;_&lt;name&gt;_&lt;uid&gt;)
     * @param cgroupParent the pod's cgroup (kubelet: kubepods/besteffort/pod&lt;uid&gt; with the cgroupfs driver);
     *                     containerd puts each container's cgroup under it
     */
    public static PodSandboxConfig hostNetworkSandbox(Pod pod, Path logDirectory, String cgroupParent) {
        NamespaceOption namespaces = NamespaceOption.newBuilder()
                .setNetwork(NamespaceMode.NODE)
                .setPid(NamespaceMode.CONTAINER)
                .setIpc(NamespaceMode.POD)
                .build();
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(pod.name()).setNamespace(pod.namespace()).setUid(pod.uid()).setAttempt(0))
                .setLogDirectory(logDirectory.toString())
                .putLabels(POD_NAME_LABEL, pod.name())
                .putLabels(POD_NAMESPACE_LABEL, pod.namespace())
                .putLabels(POD_UID_LABEL, pod.uid())
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(cgroupParent)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces)))
                .build();
    }

    /**
     * CreateContainer's config: {@code command} replaces the image's entrypoint, the log goes to
     * {@code <name>/0.log} under the sandbox's log folder (kubelet's layout: container name, restart count).
     */
    public static ContainerConfig container(Pod pod, String name, String image, List<String> command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(0))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(command)
                .addEnvs(KeyValue.newBuilder().setKey("POD_NAME").setValue(pod.name()))
                .setLogPath(name + "/0.log")
                .putLabels(CONTAINER_NAME_LABEL, name)
                .putLabels(POD_NAME_LABEL, pod.name())
                .putLabels(POD_NAMESPACE_LABEL, pod.namespace())
                .putLabels(POD_UID_LABEL, pod.uid())
                .build();
    }
}
