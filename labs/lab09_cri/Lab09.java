///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//DEPS io.grpc:grpc-netty-shaded:1.85.1
//DEPS io.grpc:grpc-protobuf:1.85.1
//DEPS io.grpc:grpc-stub:1.85.1
//SOURCES ../kit/*.java
//SOURCES CriContainerd.java
//SOURCES exercise/PodCalls.java
//SOURCES solution/PodCalls.java
//DESCRIPTION Lab 09, pods through CRI: kubelet's calls to containerd, handler jrunc, one shim per pod.
package lab09_cri;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jrunc.cri.CriClient;
import dev.jrunc.cri.HostProcesses;
import dev.jrunc.cri.PodRequests;
import dev.jrunc.cri.PodRequests.Pod;
import dev.jrunc.cri.VerboseInfo;
import dev.jrunc.cri.proto.ContainerConfig;
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
import dev.jrunc.cri.proto.PodSandboxStatusRequest;
import dev.jrunc.cri.proto.PodSandboxStatusResponse;
import dev.jrunc.cri.proto.RemoveContainerRequest;
import dev.jrunc.cri.proto.RemovePodSandboxRequest;
import dev.jrunc.cri.proto.RunPodSandboxRequest;
import dev.jrunc.cri.proto.RuntimeCondition;
import dev.jrunc.cri.proto.StartContainerRequest;
import dev.jrunc.cri.proto.StatusRequest;
import dev.jrunc.cri.proto.StopContainerRequest;
import dev.jrunc.cri.proto.StopPodSandboxRequest;
import dev.jrunc.cri.proto.UpdateContainerResourcesRequest;
import dev.jrunc.cri.proto.VersionResponse;
import kit.Lab;
import kit.Out;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.Sh;

/**
 * Lab 09, pods through CRI. Until now containerd got its orders from ctr; on a node they come from kubelet, through
 * the Container Runtime Interface (gRPC, package runtime.v1) that containerd's CRI plugin serves on the same socket.
 * This lab plays kubelet: it makes kubelet's calls for one pod with the runtime handler {@code jrunc}, prints each
 * call and the answer's key fields, and shows what happens on the host. The point to see: a pod is a sandbox (the
 * pause process, holding the pod's namespaces) plus containers, and our shim serves the whole pod as ONE process.
 *
 * <p>Your part ({@link Exercise}): the two requests that decide where a pod runs: RunPodSandbox with the handler,
 * and CreateContainer in that sandbox.
 */
public final class Lab09 {
    /** The CRI runtime handler: RuntimeClass.handler on a cluster, a key of containerd's CRI runtimes table. */
    public static final String HANDLER = "jrunc";
    static final String BUSYBOX = "localhost/jrunc/busybox:1.0";
    static final String PAUSE = "localhost/jrunc/pause:1.0";
    static final Pod POD = new Pod("lab09-pod", "default", "6f1b2c3d-0009-4000-8000-000000000009");
    static final String CGROUP_ROOT = "jrunc-lab09";
    /** Says hello, waits; on SIGTERM says bye and exits 0 (one child only, so the process tree is the same every run). */
    static final List<String> APP = List.of("sh", "-c",
            "echo \"hello from $POD_NAME\"; trap 'echo bye; exit 0' TERM; sleep 3600 & wait");

    /** What you write in exercise/PodCalls.java. */
    public interface Exercise {
        /** kubelet's RunPodSandbox for a pod whose RuntimeClass has handler {@link #HANDLER}. */
        RunPodSandboxRequest runPodSandbox(PodSandboxConfig config);

        /** kubelet's CreateContainer: container {@code container} in sandbox {@code podSandboxId}. */
        CreateContainerRequest createContainer(String podSandboxId, ContainerConfig container, PodSandboxConfig sandboxConfig);
    }

    public static void main(String[] args) {
        System.exit(Lab.run("09", "pods through CRI", "labs/lab09_cri/exercise/PodCalls.java", args, Lab09::pods));
    }

    static void pods(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab09_cri.solution.PodCalls() : new lab09_cri.exercise.PodCalls();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();   // gRPC's one-line warnings would clutter the output
        if (!Files.isExecutable(lab.repo().resolve("shim/target/containerd-shim-jrunc-v2"))) {
            throw new Lab.CannotRun("shim/target/containerd-shim-jrunc-v2 is missing: build the shim first (./verify.sh build)");
        }
        // Cleanups run last-registered-first: this one runs after containerd (and every container) is gone.
        lab.cleanup("removed the pod's cgroup parent /" + CGROUP_ROOT, () -> removeCgroups(CGROUP_ROOT));

        lab.step("1. containerd with its CRI plugin");
        lab.say("kubelet never runs containers itself: it calls the CRI server at its --container-runtime-endpoint, which",
                "for containerd is containerd's own socket. The plugin needs a sandbox image and the runtime handlers; our",
                "private containerd gets both (the images are built locally by shim/scripts/build-images.sh, no registry):");
        out.command("CRI=1 shim/scripts/private-containerd.sh start " + lab.work().resolve("containerd") + " k8s.io");
        CriContainerd containerd = CriContainerd.start(lab);
        int containerdPid = lab.pid(containerd.pid());
        out.command("sed -n '/grpc.v1.cri/,$p' " + containerd.dir().resolve("config.toml") + " | grep -v '^ *#'");
        out.output(String.join("\n", containerd.criConfigLines()));
        lab.say("Handler \"jrunc\" is runtime io.containerd.jrunc.v2: containerd runs the program containerd-shim-jrunc-v2.");

        try (CriClient cri = CriClient.connect(Path.of(containerd.address()))) {
            lab.step("2. Is the runtime usable? Version, Status, ImageStatus");
            VersionResponse version = cri.version();
            call(out, "RuntimeService/Version", "version: \"v1\"");
            answer(out, "runtime_name: " + version.getRuntimeName() + ", runtime_version: "
                    + Out.vary(version.getRuntimeVersion(), "<containerd's version>") + ", runtime_api_version: "
                    + version.getRuntimeApiVersion());
            call(out, "RuntimeService/Status", "");
            for (RuntimeCondition c : cri.status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList()) {
                answer(out, c.getType() + ": " + c.getStatus() + (c.getReason().isEmpty() ? "" : " (" + c.getReason() + ": " + c.getMessage() + ")"));
            }
            lab.say("NetworkReady is false: there is no CNI plugin here. A node would stay NotReady; our pod uses the host's",
                    "network (hostNetwork: true), which needs no CNI.");
            for (String image : List.of(PAUSE, BUSYBOX)) {
                call(out, "ImageService/ImageStatus", "image: \"" + image + "\"");
                ImageStatusResponse status = cri.imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
                if (!status.hasImage()) {
                    throw new Lab.CannotRun(image + " is not in containerd's k8s.io namespace (private-containerd.sh imports it)");
                }
                answer(out, "id: " + Out.vary(status.getImage().getId(), "sha256:<image config digest>") + ", repo_tags: "
                        + status.getImage().getRepoTagsList());
            }
            lab.say("kubelet asks ImageStatus before it creates a container and pulls only if the answer is empty.");

            lab.step("3. RunPodSandbox: your runPodSandbox()");
            Path logs = containerd.dir().resolve("pods").resolve(POD.logDirectoryName());
            Files.createDirectories(logs);
            PodSandboxConfig sandboxConfig = PodRequests.hostNetworkSandbox(POD, logs, "/" + CGROUP_ROOT + "/" + POD.uid());
            RunPodSandboxRequest run = yours.runPodSandbox(sandboxConfig);
            if (!run.getRuntimeHandler().equals(HANDLER) || !run.getConfig().equals(sandboxConfig)) {
                throw lab.fail("RunPodSandbox carries the pod's sandbox config and asks for handler \"" + HANDLER + "\"",
                        "runtime_handler \"" + HANDLER + "\" and the config runPodSandbox() was given",
                        "runtime_handler \"" + run.getRuntimeHandler() + "\""
                                + (run.getConfig().equals(sandboxConfig) ? "" : " and " + (run.hasConfig() ? "another config" : "no config")));
            }
            call(out, "RuntimeService/RunPodSandbox", "runtime_handler: \"" + run.getRuntimeHandler() + "\", metadata: "
                    + POD.namespace() + "/" + POD.name() + ", network: NODE");
            long started = System.nanoTime();
            String sandboxId = cri.runPodSandbox(run).getPodSandboxId();
            long took = (System.nanoTime() - started) / 1_000_000;
            out.normalizer().rule(Pattern.quote(sandboxId), "<sandbox-id>");
            lab.cleanup("removed the pod sandbox through CRI, if it was still there", () -> removeSandbox(containerd, sandboxId));
            answer(out, "pod_sandbox_id: " + sandboxId + "   (" + Out.millis(took) + ")");
            PodSandboxStatusResponse sandbox = cri.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                    .setPodSandboxId(sandboxId).setVerbose(true).build());
            call(out, "RuntimeService/PodSandboxStatus", "pod_sandbox_id: <that id>, verbose: true");
            int pausePid = (int) VerboseInfo.pid(sandbox.getInfoMap()).orElse(0);
            int shim = lab.pid(Procs.ppid(pausePid));   // named first: the book numbers pids in the order they are named
            int pause = lab.pid(pausePid);
            answer(out, "state: " + sandbox.getStatus().getState() + ", runtime_handler: " + sandbox.getStatus().getRuntimeHandler()
                    + ", info.runtimeType: " + VerboseInfo.runtimeType(sandbox.getInfoMap()) + ", info.pid: " + pause);
            lab.await("the sandbox's process " + pause + " runs /pause", () -> Procs.settled(pause, "pause"));
            lab.show(tree("The sandbox: our shim and the pause process", containerdPid, shim, pause, 0));
            lab.check("containerd-shim-jrunc-v2".equals(HostProcesses.programName(shim)),
                    "The sandbox's process (" + pause + ", the pause image's /pause) is a child of containerd-shim-jrunc-v2 (" + shim + ").",
                    "containerd ran `containerd-shim-jrunc-v2 start` for the sandbox, grouped by the sandbox's own id; the",
                    "pause process only holds the pod's namespaces (here ipc; the network is the host's).");

            lab.step("4. CreateContainer, StartContainer: your createContainer()");
            ContainerConfig app = PodRequests.container(POD, "app", BUSYBOX, APP);
            CreateContainerRequest create = yours.createContainer(sandboxId, app, sandboxConfig);
            if (!create.getPodSandboxId().equals(sandboxId) || !create.getConfig().equals(app)
                    || !create.getSandboxConfig().equals(sandboxConfig)) {
                throw lab.fail("CreateContainer names the sandbox and carries the container's and the sandbox's config",
                        "pod_sandbox_id <sandbox-id>, the container config, the sandbox config",
                        "pod_sandbox_id \"" + create.getPodSandboxId() + "\"" + (create.hasConfig() ? "" : ", no container config")
                                + (create.hasSandboxConfig() ? "" : ", no sandbox config"));
            }
            call(out, "RuntimeService/CreateContainer", "pod_sandbox_id: <sandbox-id>, metadata.name: app, image: " + BUSYBOX
                    + ", log_path: app/0.log");
            String containerId = cri.createContainer(create).getContainerId();
            out.normalizer().rule(Pattern.quote(containerId), "<container-id>");
            answer(out, "container_id: " + containerId);
            call(out, "RuntimeService/StartContainer", "container_id: <container-id>");
            cri.startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
            ContainerStatusResponse running = containerStatus(cri, containerId);
            call(out, "RuntimeService/ContainerStatus", "container_id: <container-id>, verbose: true");
            int init = lab.pid((int) VerboseInfo.pid(running.getInfoMap()).orElse(0));
            answer(out, "state: " + running.getStatus().getState() + ", info.pid: " + init + ", log_path: " + running.getStatus().getLogPath());
            Path bundleConfig = containerd.dir().resolve("state/io.containerd.runtime.v2.task/k8s.io").resolve(containerId).resolve("config.json");
            out.command("grep -o '\"io.kubernetes.cri.[a-z-]*\": *\"[^\"]*\"' " + bundleConfig);
            out.output(annotations(Files.readString(bundleConfig)));
            lab.await("the container's init " + init + " runs sh, waiting for its sleep 3600", () -> Procs.settledWithChild(init, "sh", "sleep"));
            lab.show(tree("The pod: one shim, two children", containerdPid, shim, pause, init));
            List<Long> shims = HostProcesses.shimsOf(containerd.address());
            lab.check(Procs.ppid(init) == shim && shims.equals(List.of((long) shim)),
                    "The container's init (" + init + ") is a child of the same shim: one shim process serves the whole pod.",
                    "The container's config.json carries io.kubernetes.cri.sandbox-id; `containerd-shim-jrunc-v2 start`",
                    "hashes it into the same socket path as the sandbox's, finds the pod's shim listening there, and prints",
                    "its address instead of starting a second shim (shim-protocol.md 1.3).");

            lab.step("5. ExecSync: a command in the running container");
            List<String> command = List.of("sh", "-c", "echo \"exec in $POD_NAME\"; echo to-stderr >&2; exit 3");
            call(out, "RuntimeService/ExecSync", "container_id: <container-id>, cmd: " + command + ", timeout: 10");
            ExecSyncResponse exec = cri.execSync(ExecSyncRequest.newBuilder().setContainerId(containerId).addAllCmd(command).setTimeout(10).build());
            answer(out, "stdout: " + quoted(exec.getStdout().toStringUtf8()) + ", stderr: " + quoted(exec.getStderr().toStringUtf8())
                    + ", exit_code: " + exec.getExitCode());
            lab.check(exec.getExitCode() == 3 && exec.getStdout().toStringUtf8().equals("exec in " + POD.name() + "\n"),
                    "The command ran in the container (its environment, POD_NAME) and its output and exit code came back.",
                    "containerd asked the pod's shim for Exec, Start and Wait on a new process of the container (kubectl",
                    "exec takes the same way, streaming instead of collecting).");

            lab.step("6. The container's log, written by containerd");
            Path log = Path.of(running.getStatus().getLogPath());
            lab.await("containerd has written the first line to " + log, () -> read(log).contains("hello from"));
            out.command("cat " + log);
            out.output(read(log));
            lab.check(read(log).contains(" stdout F hello from " + POD.name() + "\n"),
                    "The container's stdout is in the log file kubelet named (what `kubectl logs` reads).",
                    "The shim only copies the container's stdout and stderr into pipes containerd reads; containerd's CRI",
                    "plugin writes them here: timestamp, stream, F (a full line) or P (part of one), the text.");

            lab.step("7. UpdateContainerResources: the container's cgroup changes");
            String before = memoryLimit(init);
            long limit = 64L << 20;
            call(out, "RuntimeService/UpdateContainerResources", "container_id: <container-id>, linux: {memory_limit_in_bytes: " + limit + "}");
            cri.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(containerId)
                    .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(limit)).build());
            String after = memoryLimit(init);
            lab.say("The memory limit of the container's cgroup: " + before + " before, " + after + " after.");
            lab.check(after.equals(Long.toString(limit)), "The limit arrived in the kernel.",
                    "CRI → containerd's task Update → the shim's Update → `runc update` → the cgroup's memory limit file.");

            lab.step("8. StopContainer, RemoveContainer: the shim stays for the sandbox");
            call(out, "RuntimeService/StopContainer", "container_id: <container-id>, timeout: 10");
            cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(containerId).setTimeout(10).build());
            ContainerStatus stopped = containerStatus(cri, containerId).getStatus();
            answer(out, "(ContainerStatus) state: " + stopped.getState() + ", exit_code: " + stopped.getExitCode() + ", reason: " + stopped.getReason());
            call(out, "RuntimeService/RemoveContainer", "container_id: <container-id>");
            cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
            int left = cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount();
            call(out, "RuntimeService/ListContainers", "");
            answer(out, left + " containers");
            lab.show(tree("After RemoveContainer", containerdPid, shim, pause, init));
            lab.check(stopped.getExitCode() == 0 && "Completed".equals(stopped.getReason()) && left == 0 && Procs.alive(shim),
                    "The container stopped on SIGTERM (exit 0, Completed) and is gone; the shim still runs, for the sandbox.",
                    "CRI sent SIGTERM (it would have sent SIGKILL after the 10 s); the shim reported the exit; on",
                    "RemoveContainer containerd deleted the task. The shim stays while it has a container: the pause.");

            lab.step("9. StopPodSandbox, RemovePodSandbox: the shim goes");
            call(out, "RuntimeService/StopPodSandbox", "pod_sandbox_id: <sandbox-id>");
            cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            call(out, "RuntimeService/RemovePodSandbox", "pod_sandbox_id: <sandbox-id>");
            cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            int pods = cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
            call(out, "RuntimeService/ListPodSandbox", "");
            answer(out, pods + " pod sandboxes");
            boolean shimGone = Procs.await(60_000, () -> !Procs.alive(shim));
            lab.show(tree("After RemovePodSandbox", containerdPid, shim, pause, init));
            Path socket = Path.of("/run/containerd/s", sha256(containerd.address() + "/k8s.io/" + sandboxId));
            lab.check(pods == 0 && shimGone && !Files.exists(socket),
                    "The pod is gone, and so is its shim, with its socket in /run/containerd/s.",
                    "After deleting the sandbox's task containerd called Shutdown; with no container left the shim exited.",
                    "On a node this is `kubectl delete pod`: kubelet makes the same calls, in the same order.");
        }
    }

    // ---- printing ----------------------------------------------------------------------------------------------

    private static void call(Out out, String method, String request) {
        out.say("→ " + method + (request.isEmpty() ? "" : "  { " + request + " }"));
    }

    private static void answer(Out out, String response) {
        out.say("    ← " + response);
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }

    private static String annotations(String configJson) {
        Matcher m = Pattern.compile("\"io\\.kubernetes\\.cri\\.[a-z-]+\":\\s*\"[^\"]*\"").matcher(configJson);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            b.append(m.group()).append('\n');
        }
        return b.toString();
    }

    /** The processes that are still alive (an exited shim may linger as a zombie where pid 1 is slow to reap). */
    private static ProcessTree tree(String title, int containerd, int shim, int pause, int init) {
        ProcessTree tree = ProcessTree.titled(title).init();
        int adopter = Procs.ppid(containerd);
        if (adopter > 1) {
            tree.show(adopter, Kind.INIT, "adopts orphans");
        }
        tree.show(containerd, Kind.CONTAINERD, "containerd (CRI plugin inside)", "containerd --config …/lab09/containerd/config.toml");
        if (Procs.alive(shim)) {
            tree.show(shim, Kind.SHIM, "the pod's shim (java)");
        }
        if (Procs.alive(pause)) {
            tree.show(pause, Kind.CONTAINER, "sandbox: pause");
        }
        if (init > 0 && Procs.alive(init)) {
            tree.show(init, Kind.CONTAINER, "container app", "sh -c echo \"hello from $POD_NAME\"; …");
        }
        return tree;
    }

    // ---- the host ---------------------------------------------------------------------------------------------

    private static ContainerStatusResponse containerStatus(CriClient cri, String id) {
        return cri.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build());
    }

    /** The memory limit of the process's cgroup (v1 memory.limit_in_bytes, v2 memory.max), "unlimited" if none. */
    private static String memoryLimit(int pid) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            Path file = null;
            if (List.of(f[1].split(",")).contains("memory")) {
                file = Path.of("/sys/fs/cgroup/memory" + f[2], "memory.limit_in_bytes");
            } else if (f[0].equals("0") && Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
                file = Path.of("/sys/fs/cgroup" + f[2], "memory.max");
            }
            if (file != null && Files.exists(file)) {
                String v = Files.readString(file).strip();
                return v.equals("max") || v.length() >= 19 ? "unlimited" : v;
            }
        }
        throw new Lab.CannotRun("no memory cgroup for pid " + pid);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String sha256(String s) throws Exception {
        byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        StringBuilder b = new StringBuilder();
        for (byte x : h) {
            b.append(String.format("%02x", x));
        }
        return b.toString();
    }

    /** After a failure: the sandbox through CRI, as kubelet would (the containerd stop cleans anything left). */
    private static void removeSandbox(CriContainerd containerd, String sandboxId) {
        try (CriClient cri = CriClient.connect(Path.of(containerd.address()))) {
            cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
        } catch (RuntimeException alreadyGone) {
            // removed by the lab itself, or containerd is gone: nothing to do
        }
    }

    /** The pods' cgroup parent, in every hierarchy, deepest first (only empty cgroups can be removed). */
    private static void removeCgroups(String relative) {
        Sh.run(List.of("sh", "-c", "for d in /sys/fs/cgroup/" + relative + " /sys/fs/cgroup/*/" + relative + "; do "
                + "[ -d \"$d\" ] && find \"$d\" -depth -type d -exec rmdir {} \\; ; done; true"));
    }
}
