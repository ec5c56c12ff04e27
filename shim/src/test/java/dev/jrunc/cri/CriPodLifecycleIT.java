package dev.jrunc.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.cri.PodRequests.Pod;
import dev.jrunc.cri.proto.ContainerConfig;
import dev.jrunc.cri.proto.ContainerFilter;
import dev.jrunc.cri.proto.ContainerState;
import dev.jrunc.cri.proto.ContainerStatus;
import dev.jrunc.cri.proto.ContainerStatusRequest;
import dev.jrunc.cri.proto.ContainerStatusResponse;
import dev.jrunc.cri.proto.CreateContainerRequest;
import dev.jrunc.cri.proto.ExecSyncRequest;
import dev.jrunc.cri.proto.ExecSyncResponse;
import dev.jrunc.cri.proto.ImageSpec;
import dev.jrunc.cri.proto.ImageStatusRequest;
import dev.jrunc.cri.proto.ImageStatusResponse;
import dev.jrunc.cri.proto.LinuxContainerResources;
import dev.jrunc.cri.proto.ListContainersRequest;
import dev.jrunc.cri.proto.ListPodSandboxRequest;
import dev.jrunc.cri.proto.PodSandboxConfig;
import dev.jrunc.cri.proto.PodSandboxState;
import dev.jrunc.cri.proto.PodSandboxStatusRequest;
import dev.jrunc.cri.proto.PodSandboxStatusResponse;
import dev.jrunc.cri.proto.RemoveContainerRequest;
import dev.jrunc.cri.proto.RemovePodSandboxRequest;
import dev.jrunc.cri.proto.RunPodSandboxRequest;
import dev.jrunc.cri.proto.StartContainerRequest;
import dev.jrunc.cri.proto.StopContainerRequest;
import dev.jrunc.cri.proto.StopPodSandboxRequest;
import dev.jrunc.cri.proto.UpdateContainerResourcesRequest;
import dev.jrunc.cri.proto.VersionResponse;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import kit.HostProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A pod's whole life through containerd's CRI plugin, as kubelet drives it, with CRI handler {@code jrunc}
 * (runtime io.containerd.jrunc.v2, our shim) and, first, with handler {@code runc} (the Go shim) as the control:
 * when the control passes and jrunc fails, the shim is at fault, not the test or the machine.
 *
 * <p>Version → ImageStatus → RunPodSandbox (host network: no CNI here) → PodSandboxStatus READY → CreateContainer →
 * StartContainer → ContainerStatus RUNNING → ExecSync → the container's log file → UpdateContainerResources →
 * StopContainer → RemoveContainer → StopPodSandbox → RemovePodSandbox → ListPodSandbox and ListContainers empty.
 *
 * <p>On the host it checks the point of a per-pod shim: one shim process for the pod, the parent of both the pause
 * process and the container's init; and that the shim exits once the pod is removed, leaving no shim socket, runc
 * state, bundle, mount or container cgroup behind. Every leftover is first seen to exist while the pod runs.
 */
@WithPrivateContainerd(cri = true, namespace = CriPodLifecycleIT.CRI_NAMESPACE, name = "it-cri")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CriPodLifecycleIT {

    /** The containerd namespace CRI keeps all its containers in. */
    static final String CRI_NAMESPACE = "k8s.io";
    static final String BUSYBOX_IMAGE = "localhost/jrunc/busybox:1.0";
    /** Parent of the pods' cgroups (kubelet would pass kubepods/...); removed after each test. */
    private static final String CGROUP_ROOT = "jrunc-it-cri";

    /**
     * The container: says hello (to the log), then waits; on SIGTERM it says bye and exits 0, so StopContainer
     * shows a graceful stop (exit 0, reason Completed) rather than a SIGKILL after the grace period.
     */
    private static final List<String> APP_COMMAND = List.of("sh", "-c",
            "echo \"hello from $POD_NAME\"; trap 'echo bye; exit 0' TERM; while :; do sleep 1 & wait $!; done");

    private final Containerd containerd;
    private CriClient cri;

    CriPodLifecycleIT(Containerd containerd) {
        this.containerd = containerd;
    }

    @BeforeAll
    static void noCgroupsFromAnEarlierRun() {
        PodCgroups.removeTree(CGROUP_ROOT);
    }

    @AfterAll
    static void removeCgroupRoot() {
        List<Path> left = PodCgroups.removeTree(CGROUP_ROOT);
        assertEquals(List.of(), left, "cgroups that could not be removed (processes left in them?)");
    }

    @Test
    @Order(1)
    void goShimRunsThePodLifecycle() throws Exception {
        runPodLifecycle("runc", Containerd.GO_RUNTIME, "containerd-shim-runc-v2");
    }

    @Test
    @Order(2)
    void jruncRunsThePodLifecycle() throws Exception {
        runPodLifecycle("jrunc", Containerd.JRUNC_RUNTIME, "containerd-shim-jrunc-v2");
    }

    private void runPodLifecycle(String handler, String runtimeType, String shimProgram) throws Exception {
        Pod pod = new Pod("lifecycle-" + handler, "default", UUID.randomUUID().toString());
        String cgroupParent = "/" + CGROUP_ROOT + "/" + pod.uid();
        Path logDirectory = containerd.dir().resolve("pods").resolve(pod.logDirectoryName());
        Files.createDirectories(logDirectory); // kubelet makes the pod's log folder before RunPodSandbox
        PodSandboxConfig sandboxConfig = PodRequests.hostNetworkSandbox(pod, logDirectory, cgroupParent);
        StepFailures soft = new StepFailures();
        String sandboxId = null;
        String containerId = null;
        cri = CriClient.connect(Path.of(containerd.address()));
        try {
            VersionResponse version = cri.version();
            assertEquals("containerd", version.getRuntimeName(), version::toString);
            assertEquals("v1", version.getRuntimeApiVersion(), version::toString);
            ImageStatusResponse image = cri.imageStatus(ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(BUSYBOX_IMAGE)).build());
            assertTrue(image.getImage().getRepoTagsList().contains(BUSYBOX_IMAGE),
                    () -> BUSYBOX_IMAGE + " was not imported: " + image);
            assertEquals(List.of(), HostProcesses.shimsOf(containerd.address()), "shims before the pod exists");

            // ---- the sandbox: one shim, the pause process under it --------------------------------------------
            sandboxId = cri.runPodSandbox(RunPodSandboxRequest.newBuilder()
                    .setConfig(sandboxConfig).setRuntimeHandler(handler).build()).getPodSandboxId();
            PodSandboxStatusResponse sandbox = sandboxStatus(sandboxId);
            assertEquals(PodSandboxState.SANDBOX_READY, sandbox.getStatus().getState(), sandbox::toString);
            assertEquals(handler, sandbox.getStatus().getRuntimeHandler(), sandbox::toString);
            assertEquals(runtimeType, VerboseInfo.runtimeType(sandbox.getInfoMap()), sandbox::toString);
            long pausePid = VerboseInfo.pid(sandbox.getInfoMap()).orElseThrow(() -> new AssertionError("no pid: " + sandbox));
            assertTrue(HostProcesses.isAlive(pausePid), "pause process " + pausePid + " is not running");
            // runc start returns once it has told the container's init to exec, not once it has: until then the
            // process is still `runc init` (seen under load, with either shim).
            await("the sandbox's init to exec the pause image",
                    () -> List.of("/bin/sh", "/pause").equals(HostProcesses.arguments(pausePid)));
            long shimPid = HostProcesses.ppid(pausePid);
            assertEquals(shimProgram, HostProcesses.programName(shimPid),
                    "parent of the pause process: " + HostProcesses.arguments(shimPid));
            assertEquals(List.of(shimPid), HostProcesses.shimsOf(containerd.address()), "shims serving the pod");

            // ---- the container: the same shim, a second child of it ---------------------------------------------
            ContainerConfig containerConfig = PodRequests.container(pod, "app", BUSYBOX_IMAGE, APP_COMMAND);
            containerId = cri.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId)
                    .setConfig(containerConfig).setSandboxConfig(sandboxConfig).build()).getContainerId();
            assertEquals(ContainerState.CONTAINER_CREATED, containerStatus(containerId).getStatus().getState());
            cri.startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
            ContainerStatusResponse running = containerStatus(containerId);
            assertEquals(ContainerState.CONTAINER_RUNNING, running.getStatus().getState(), running::toString);
            long appPid = VerboseInfo.pid(running.getInfoMap()).orElseThrow(() -> new AssertionError("no pid: " + running));
            assertEquals(shimPid, HostProcesses.ppid(appPid),
                    "the container's init must be a child of the pod's shim (one shim per pod)");
            assertEquals(List.of(shimPid), HostProcesses.shimsOf(containerd.address()),
                    "a container of the pod must not start a second shim");
            System.out.println("[" + handler + "] the pod on the host:\n" + HostProcesses.psForest(List.of(shimPid)));

            // What must be gone after the pod: seen to exist now, so that the checks below can fail.
            List<Path> leftovers = podFootprint(sandboxId, containerId, appPid);
            for (Path p : leftovers) {
                assertTrue(Files.exists(p), "expected while the pod runs: " + p);
            }
            assertFalse(kit.Leftovers.mountsUnder(containerd.dir()).isEmpty(), "no rootfs mounts while the pod runs");

            // ---- calls that need more of the shim (Exec, Update): failures are collected, the lifecycle goes on --
            String cid = containerId;
            soft.check("ExecSync", () -> {
                ExecSyncResponse exec = cri.execSync(ExecSyncRequest.newBuilder().setContainerId(cid).setTimeout(30)
                        .addAllCmd(List.of("sh", "-c", "echo \"exec in $POD_NAME\"; echo to-stderr >&2; exit 3")).build());
                assertEquals(3, exec.getExitCode(), exec::toString);
                assertEquals("exec in " + pod.name() + "\n", exec.getStdout().toStringUtf8(), exec::toString);
                assertEquals("to-stderr\n", exec.getStderr().toStringUtf8(), exec::toString);
            });
            Path logFile = Path.of(running.getStatus().getLogPath());
            soft.check("container log", () -> {
                assertEquals(logDirectory.resolve("app/0.log"), logFile, "log_path");
                Pattern hello = Pattern.compile("(?m)^\\S+ stdout F hello from " + pod.name() + "$");
                await("the hello line in " + logFile, () -> Files.exists(logFile) && hello.matcher(read(logFile)).find());
            });
            soft.check("UpdateContainerResources", () -> updateResources(cid, appPid));

            // ---- stop and remove the container: the shim stays for the sandbox --------------------------------
            cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(containerId).setTimeout(10).build());
            ContainerStatus stopped = containerStatus(containerId).getStatus();
            assertEquals(ContainerState.CONTAINER_EXITED, stopped.getState(), stopped::toString);
            assertEquals(0, stopped.getExitCode(), "exit code after SIGTERM (the trap exits 0): " + stopped);
            assertEquals("Completed", stopped.getReason(), stopped::toString);
            assertNotEquals(0, stopped.getFinishedAt(), stopped::toString);
            assertFalse(HostProcesses.isAlive(appPid), "container init " + appPid + " still runs after StopContainer");
            soft.check("container log after stop", () ->
                    await("the bye line in " + logFile, () -> read(logFile).contains(" stdout F bye\n")));
            cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
            containerId = null;
            assertEquals(0, cri.listContainers(ListContainersRequest.newBuilder()
                    .setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId)).build()).getContainersCount());
            assertTrue(HostProcesses.isAlive(shimPid), "the shim must keep serving the sandbox after its container");

            // ---- stop and remove the sandbox: now the shim goes ------------------------------------------------
            cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            assertEquals(PodSandboxState.SANDBOX_NOTREADY, sandboxStatus(sandboxId).getStatus().getState());
            assertFalse(HostProcesses.isAlive(pausePid), "pause process " + pausePid + " survived StopPodSandbox");
            cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            sandboxId = null;
            assertEquals(0, cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount());
            assertEquals(0, cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
            await("the pod's shim (pid " + shimPid + ") to exit", () -> !HostProcesses.isAlive(shimPid));
            assertEquals(List.of(), HostProcesses.shimsOf(containerd.address()), "shims after the pod is gone");

            List<Path> left = leftovers.stream().filter(Files::exists).toList();
            assertEquals(List.of(), left, "left behind by the pod");
            assertEquals(List.of(), kit.Leftovers.mountsUnder(containerd.dir()), "mounts left under " + containerd.dir());
            soft.assertNone();
        } finally {
            removeQuietly(containerId, sandboxId);
            cri.close();
            List<Path> cgroupsLeft = PodCgroups.removeTree(CGROUP_ROOT + "/" + pod.uid());
            assertEquals(List.of(), cgroupsLeft, "pod cgroups that could not be removed");
        }
    }

    /**
     * Halves the CPU weight and caps memory at 64 MiB, then reads the container's cgroup files: CRI → containerd's
     * task Update → the shim's {@code runc update} → the kernel.
     */
    private void updateResources(String containerId, long appPid) throws Exception {
        Path cpu = PodCgroups.dirOf(appPid, "cpu");
        Path memory = PodCgroups.dirOf(appPid, "memory");
        boolean v2 = PodCgroups.unified();
        Path cpuFile = cpu.resolve(v2 ? "cpu.weight" : "cpu.shares");
        Path memoryFile = memory.resolve(v2 ? "memory.max" : "memory.limit_in_bytes");
        long shares = 512;
        long limit = 64L << 20;
        String expectedCpu = Long.toString(v2 ? PodCgroups.cpuWeightForShares(shares) : shares);
        assertNotEquals(expectedCpu, PodCgroups.read(cpuFile), "already at the new value before the update: " + cpuFile);
        assertNotEquals(Long.toString(limit), PodCgroups.read(memoryFile), "already limited before the update: " + memoryFile);

        cri.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(containerId)
                .setLinux(LinuxContainerResources.newBuilder().setCpuShares(shares).setMemoryLimitInBytes(limit)).build());

        assertEquals(expectedCpu, PodCgroups.read(cpuFile), cpuFile.toString());
        assertEquals(Long.toString(limit), PodCgroups.read(memoryFile), memoryFile.toString());
    }

    /** Files and folders a running pod has on the host and that must all be gone after RemovePodSandbox. */
    private List<Path> podFootprint(String sandboxId, String containerId, long appPid) {
        List<Path> paths = new ArrayList<>();
        // containerd 1.6 names the pod's shim socket after the sandbox id, the grouping key: the sandbox's containers carry it as io.kubernetes.cri.sandbox-id.
        paths.add(Path.of("/run/containerd/s",
                Testkit.sha256Hex(containerd.address() + "/" + CRI_NAMESPACE + "/" + sandboxId)));
        for (String id : List.of(sandboxId, containerId)) {
            paths.add(containerd.bundle(id));
            paths.add(Path.of("/run/containerd/runc", CRI_NAMESPACE, id));
        }
        paths.add(PodCgroups.dirOf(appPid, "memory"));
        return paths;
    }

    private PodSandboxStatusResponse sandboxStatus(String id) {
        return cri.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).setVerbose(true).build());
    }

    private ContainerStatusResponse containerStatus(String id) {
        return cri.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build());
    }

    /** After a failure: remove what the test made through CRI, as kubelet would; the fixture cleans the rest. */
    private void removeQuietly(String containerId, String sandboxId) {
        List<Runnable> steps = new ArrayList<>();
        if (containerId != null) {
            steps.add(() -> cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(containerId).build()));
            steps.add(() -> cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build()));
        }
        if (sandboxId != null) {
            steps.add(() -> cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build()));
            steps.add(() -> cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build()));
        }
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                System.out.println("clean-up step failed: " + e);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 20 s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
