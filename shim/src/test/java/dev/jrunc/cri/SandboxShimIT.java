package dev.jrunc.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.cri.PodRequests.Pod;
import dev.jrunc.cri.proto.ContainerStatusRequest;
import dev.jrunc.cri.proto.CreateContainerRequest;
import dev.jrunc.cri.proto.PodSandboxConfig;
import dev.jrunc.cri.proto.PodSandboxStatusRequest;
import dev.jrunc.cri.proto.RemoveContainerRequest;
import dev.jrunc.cri.proto.RemovePodSandboxRequest;
import dev.jrunc.cri.proto.RunPodSandboxRequest;
import dev.jrunc.cri.proto.StartContainerRequest;
import dev.jrunc.cri.proto.StopContainerRequest;
import dev.jrunc.cri.proto.StopPodSandboxRequest;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import kit.HostProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * How containerd brings a pod's second container to the pod's shim, per line, under both handlers: 1.6 runs the
 * shim's {@code start} again (which finds the running shim and writes the {@code address} file); 1.7 copies the
 * sandbox's {@code address} into the container's bundle itself; 2.x, when the sandbox's shim answered bootstrap
 * version 3, skips {@code start} (no JVM for jrunc) and writes {@code sandbox} and {@code bootstrap.json}. The files
 * containerd leaves in the container's bundle show which path it took; they must be the same for the Go shim and ours.
 */
@WithPrivateContainerd(cri = true, namespace = CriPodLifecycleIT.CRI_NAMESPACE, name = "it-crisbx")
class SandboxShimIT {
    private static final String CGROUP_ROOT = "jrunc-it-crisbx";
    private static final List<String> BOOTSTRAP_FILES = List.of("address", "bootstrap.json", "sandbox");

    private final Containerd containerd;

    SandboxShimIT(Containerd containerd) {
        this.containerd = containerd;
    }

    @AfterAll
    static void removeCgroups() {
        assertEquals(List.of(), PodCgroups.removeTree(CGROUP_ROOT), "cgroups left");
    }

    @Test
    void aPodsContainerReachesTheSandboxShimTheSameWayUnderBothHandlers() throws Exception {
        Map<String, Map<String, String>> seen = new TreeMap<>();
        for (String handler : List.of("runc", "jrunc")) {
            seen.put(handler, containerBundleFiles(handler));
        }
        assertEquals(seen.get("runc").keySet(), seen.get("jrunc").keySet(), "bootstrap files: " + seen);
        Map<String, String> ours = seen.get("jrunc");
        if (Testkit.containerdMajor() >= 2) {
            assertTrue(!ours.containsKey("address") && ours.containsKey("sandbox"),
                    "2.x reached the sandbox's shim without running start (which writes address): " + ours);
            assertTrue(ours.get("bootstrap.json").contains("\"version\":3"), ours::toString);
        } else {
            assertTrue(ours.containsKey("address"), ours::toString);
        }
    }

    /** Runs a pod with one container under {@code handler}; returns the container bundle's bootstrap files. */
    private Map<String, String> containerBundleFiles(String handler) throws Exception {
        Pod pod = new Pod("sbx-" + handler, "default", UUID.randomUUID().toString());
        Path logs = Files.createDirectories(containerd.dir().resolve("pods").resolve(pod.logDirectoryName()));
        PodSandboxConfig sandboxConfig = PodRequests.hostNetworkSandbox(pod, logs, "/" + CGROUP_ROOT + "/" + pod.uid());
        Map<String, String> files = new TreeMap<>();
        try (CriClient cri = CriClient.connect(Path.of(containerd.address()))) {
            String sandboxId = cri.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig)
                    .setRuntimeHandler(handler).build()).getPodSandboxId();
            try {
                long shim = HostProcesses.ppid(VerboseInfo.pid(cri.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(sandboxId).setVerbose(true).build()).getInfoMap()).orElseThrow());
                String containerId = cri.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId)
                        .setConfig(PodRequests.container(pod, "app", CriPodLifecycleIT.BUSYBOX_IMAGE, List.of("sleep", "600")))
                        .setSandboxConfig(sandboxConfig).build()).getContainerId();
                cri.startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
                long app = VerboseInfo.pid(cri.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId)
                        .setVerbose(true).build()).getInfoMap()).orElseThrow();
                assertEquals(shim, HostProcesses.ppid(app), handler + ": the container runs under the pod's shim");
                Path bundle = containerd.stateDir().resolve("io.containerd.runtime.v2.task").resolve(containerd.namespace())
                        .resolve(containerId);
                try (Stream<Path> list = Files.list(bundle)) {
                    for (Path p : list.toList()) {
                        String name = p.getFileName().toString();
                        if (BOOTSTRAP_FILES.contains(name)) {
                            files.put(name, Files.readString(p));
                        }
                    }
                }
                cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(containerId).setTimeout(1).build());
                cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
            } finally {
                cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
                cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            }
        }
        return files;
    }
}
