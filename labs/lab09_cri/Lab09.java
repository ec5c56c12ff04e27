///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//DEPS dev.jrunc:jrunc-cri:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES CriContainerd.java
//SOURCES exercise/PodCalls.java
//SOURCES solution/PodCalls.java
//SOURCES exercise/RestartStretch.java
//SOURCES solution/RestartStretch.java
//DESCRIPTION Lab 09, pods through CRI: kubelet's calls to containerd, handler jrunc, one shim per pod.
package lab09_cri;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jrunc.cri.CriClient;
import dev.jrunc.cri.PodRequests;
import dev.jrunc.cri.PodRequests.Pod;
import dev.jrunc.cri.VerboseInfo;
import dev.jrunc.cri.proto.ContainerFilter;
import dev.jrunc.cri.proto.ContainerState;
import dev.jrunc.cri.proto.ListContainersResponse;
import dev.jrunc.cri.proto.NamespaceOption;
import dev.jrunc.shim.posix.Posix;
import kit.Wrap;
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
import kit.HostProcesses;
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
 * <p>Your part ({@link Exercise}): kubelet's calls that decide where a pod and its containers run: RunPodSandbox with
 * the handler and the pod's shared namespaces, and each container created and started in that sandbox, a second one
 * included.
 */
public final class Lab09 {
    /** The CRI runtime handler: RuntimeClass.handler on a cluster, a key of containerd's CRI runtimes table. */
    public static final String HANDLER = "jrunc";
    public static final String BUSYBOX = "localhost/jrunc/busybox:1.0";
    static final String PAUSE = "localhost/jrunc/pause:1.0";
    static final Pod POD = new Pod("lab09-pod", "default", "6f1b2c3d-0009-4000-8000-000000000009");
    static final String CGROUP_ROOT = "jrunc-lab09";
    /** Says hello, waits; on SIGTERM says bye and exits 0 (one child only, so the process tree is the same every run). */
    static final List<String> APP = List.of("sh", "-c",
            "echo \"hello from $POD_NAME\"; trap 'echo bye; exit 0' TERM; sleep 3600 & wait");

    /** Runs a sidecar: says hello, then waits (one child only, so the process tree is the same every run). */
    static final List<String> SIDECAR = List.of("sh", "-c", "echo \"sidecar of $POD_NAME\"; sleep 3600 & wait");

    /** What you write in exercise/PodCalls.java: kubelet's calls for a pod. */
    public interface Exercise {
        /** kubelet's RunPodSandbox for a pod whose RuntimeClass has handler {@link #HANDLER}. */
        RunPodSandboxRequest runPodSandbox(PodSandboxConfig config);

        /**
         * kubelet's calls for one container of the running pod: its config, CreateContainer in the pod's sandbox,
         * StartContainer. Returns the container's id.
         */
        String addContainer(CriClient cri, Pod pod, String podSandboxId, PodSandboxConfig sandboxConfig, String name, List<String> command);
    }

    /** The stretch exercise, in exercise/RestartStretch.java: kubelet restarts a container that died. */
    public interface Stretch {
        /** The container {@code deadId} (name {@code name}, restart count 0) has exited: start it again; the new id. */
        String restart(CriClient cri, Pod pod, String podSandboxId, PodSandboxConfig sandboxConfig, String deadId, String name,
                       List<String> command);
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
            lab.say("The pod: " + POD.namespace() + "/" + POD.name() + ", RuntimeClass handler jrunc, hostNetwork: true, two",
                    "containers (app, sidecar), each with its own processes (shareProcessNamespace: false, the default).");
            Path logs = containerd.dir().resolve("pods").resolve(POD.logDirectoryName());
            Files.createDirectories(logs);
            PodSandboxConfig given = PodRequests.hostNetworkSandbox(POD, logs, "/" + CGROUP_ROOT + "/" + POD.uid());
            RunPodSandboxRequest run = yours.runPodSandbox(given);
            PodSandboxConfig sandboxConfig = given;
            if (!run.getRuntimeHandler().equals(HANDLER) || !run.getConfig().equals(given)) {
                throw fail(lab, "RunPodSandbox carries the pod's sandbox config and asks for handler \"" + HANDLER + "\"",
                        "runtime_handler \"" + HANDLER + "\" and the config runPodSandbox() was given",
                        "runtime_handler \"" + run.getRuntimeHandler() + "\""
                                + (run.getConfig().equals(given) ? "" : " and " + (run.hasConfig() ? "another config" : "no config")));
            }
            NamespaceOption podNamespaces = given.getLinux().getSecurityContext().getNamespaceOptions();
            call(out, "RuntimeService/RunPodSandbox", "runtime_handler: \"" + run.getRuntimeHandler() + "\", metadata: "
                    + POD.namespace() + "/" + POD.name() + ", namespace_options: {network: " + podNamespaces.getNetwork()
                    + ", pid: " + podNamespaces.getPid() + ", ipc: " + podNamespaces.getIpc() + "}");
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
            lab.show(tree("The sandbox: our shim and the pause process", containerdPid, shim, pause));
            lab.check("containerd-shim-jrunc-v2".equals(HostProcesses.programName(shim)),
                    "The sandbox's process (" + pause + ", the pause image's /pause) is a child of containerd-shim-jrunc-v2 (" + shim + ").",
                    "containerd ran `containerd-shim-jrunc-v2 start` for the sandbox, grouped by the sandbox's own id; the",
                    "pause process only holds the pod's namespaces (here ipc and uts; the network is the host's).");

            lab.step("4. The first container: your addContainer(\"app\")");
            String containerId = addContainer(lab, yours, cri, sandboxId, sandboxConfig, "app", APP);
            out.normalizer().rule(Pattern.quote(containerId), "<container-id>");
            int init = expectRunning(lab, cri, containerd, sandboxId, containerId, "app", 0, "<container-id>");
            lab.await("the container's init " + init + " runs sh, waiting for its sleep 3600", () -> Procs.settledWithChild(init, "sh", "sleep"));
            lab.show(tree("The pod: one shim, two children", containerdPid, shim, pause, init));
            onePodShim(lab, containerd, shim, init, "app");
            lab.passed("The container's init (" + init + ") is a child of the same shim: one shim process serves the whole pod.",
                    "The container's config.json carries io.kubernetes.cri.sandbox-id; `containerd-shim-jrunc-v2 start`",
                    "hashes it into the same socket path as the sandbox's (the SHA-256 of containerd's socket, the",
                    "namespace and that id), finds the pod's shim listening there, and prints its address instead of",
                    "starting a second shim.");

            lab.step("5. ExecSync: a command in the running container");
            List<String> command = List.of("sh", "-c", "echo \"exec in $POD_NAME\"; echo to-stderr >&2; exit 3");
            call(out, "RuntimeService/ExecSync", "container_id: <container-id>, cmd: " + command + ", timeout: 10");
            ExecSyncResponse exec = cri.execSync(ExecSyncRequest.newBuilder().setContainerId(containerId).addAllCmd(command).setTimeout(10).build());
            answer(out, "stdout: " + quoted(exec.getStdout().toStringUtf8()) + ", stderr: " + quoted(exec.getStderr().toStringUtf8())
                    + ", exit_code: " + exec.getExitCode());
            if (exec.getExitCode() == 3 && exec.getStdout().toStringUtf8().equals("exec in \n")) {
                throw fail(lab, "The container has its environment", "POD_NAME=" + POD.name() + " in the container's environment",
                        "POD_NAME is empty: the container config's envs (kubelet puts the pod's name there when the pod spec asks,"
                                + " the downward API)");
            }
            lab.check(exec.getExitCode() == 3 && exec.getStdout().toStringUtf8().equals("exec in " + POD.name() + "\n"),
                    "The command ran in the container (its environment, POD_NAME) and its output and exit code came back.",
                    "containerd asked the pod's shim for Exec, Start and Wait on a new process of the container (kubectl",
                    "exec takes the same way, streaming instead of collecting).");

            lab.step("6. The container's log, written by containerd");
            expectLog(lab, cri, containerId, logs, "app", 0, "hello from " + POD.name());

            lab.step("7. A second container in the pod: your addContainer(\"sidecar\")");
            String sidecarId = addContainer(lab, yours, cri, sandboxId, sandboxConfig, "sidecar", SIDECAR);
            out.normalizer().rule(Pattern.quote(sidecarId), "<sidecar-id>");
            int sidecar = expectRunning(lab, cri, containerd, sandboxId, sidecarId, "sidecar", 0, "<sidecar-id>");
            activeSidecar[0] = sidecar;
            lab.await("the sidecar's init " + sidecar + " runs sh, waiting for its sleep 3600", () -> Procs.settledWithChild(sidecar, "sh", "sleep"));
            lab.show(tree("The pod: one shim, three children", containerdPid, shim, pause, init, sidecar));
            onePodShim(lab, containerd, shim, sidecar, "sidecar");
            Map<String, String> inodes = new LinkedHashMap<>();
            out.command("readlink /proc/{" + pause + "," + init + "," + sidecar + ",self}/ns/{net,uts,ipc,pid}");
            List<String> rows = new ArrayList<>();
            Map<Integer, Map<String, String>> spaces = new LinkedHashMap<>();
            for (int[] who : new int[][] {{pause, 0}, {init, 1}, {sidecar, 2}, {Posix.getpid(), 3}}) {
                Map<String, String> of = namespaces(who[0] == Posix.getpid() ? "self" : String.valueOf(who[0]), inodes);
                spaces.put(who[1], of);
                rows.add(String.format("%-21s", new String[] {"pause", "app", "sidecar", "the host (this lab)"}[who[1]])
                        + String.join("  ", of.values()));
            }
            out.output(String.join("\n", rows));
            for (int c = 1; c <= 2; c++) {
                String name = c == 1 ? "app" : "sidecar";
                for (String type : List.of("net", "uts", "ipc")) {
                    if (!spaces.get(c).get(type).equals(spaces.get(0).get(type))) {
                        throw fail(lab, name + " shares the pod's " + type + " namespace", "the pause's, " + spaces.get(0).get(type),
                                spaces.get(c).get(type));
                    }
                }
            }
            if (spaces.get(1).get("pid").equals(spaces.get(0).get("pid")) || spaces.get(2).get("pid").equals(spaces.get(0).get("pid"))
                    || spaces.get(1).get("pid").equals(spaces.get(2).get("pid"))) {
                throw fail(lab, "Each container has its own processes (the pod does not share them)",
                        "app, sidecar and pause in three pid namespaces (namespace_options.pid CONTAINER)",
                        "pid namespaces: pause " + spaces.get(0).get("pid") + ", app " + spaces.get(1).get("pid") + ", sidecar "
                                + spaces.get(2).get("pid") + ". containerd takes a container's pid namespace from the container's"
                                + " own config (linux.security_context.namespace_options), and a proto3 enum left unset is its first"
                                + " value: POD, the pause's. kubelet gives every container the pod's namespace options");
            }
            List<String> ps = List.of("ps", "-o", "pid,args");
            call(out, "RuntimeService/ExecSync", "container_id: <sidecar-id>, cmd: " + ps + ", timeout: 10");
            String table = cri.execSync(ExecSyncRequest.newBuilder().setContainerId(sidecarId).addAllCmd(ps).setTimeout(10).build())
                    .getStdout().toStringUtf8();
            List<String> psRows = new ArrayList<>();
            for (String line : table.strip().split("\n")) {
                String[] cells = line.trim().split("\\s+", 2);
                psRows.add(cells[0].matches("\\d+") && !cells[0].equals("1") ? Out.vary(cells[0], "<n>") + " " + cells[1] : line.trim());
            }
            out.output(String.join("\n", psRows));
            lab.check(!table.contains("hello from") && !table.contains("/pause"),
                    "The second container is in the same pod: the same shim, the pause's ipc namespace, its net and uts",
                    "(the host's: hostNetwork); and, as the pod asks, a pid namespace of its own: its ps sees only itself.",
                    "The pause holds what the pod shares. containerd made those namespaces with the sandbox and has each",
                    "container join them, as its CreateContainer request says (WithPodNamespaces in its CRI plugin).");

            lab.stretch("kubelet restarts a container", "labs/lab09_cri/exercise/RestartStretch.java", (stretchLab, solution) ->
                    restart(stretchLab, solution ? new lab09_cri.solution.RestartStretch() : new lab09_cri.exercise.RestartStretch(),
                            cri, containerd, sandboxId, sandboxConfig, sidecarId, sidecar, logs, shim));

            lab.step("8. UpdateContainerResources: the container's cgroup changes");
            String before = memoryLimit(init);
            long limit = 64L << 20;
            call(out, "RuntimeService/UpdateContainerResources", "container_id: <container-id>, linux: {memory_limit_in_bytes: " + limit + "}");
            cri.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(containerId)
                    .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(limit)).build());
            String after = memoryLimit(init);
            lab.say("The memory limit of the container's cgroup: " + before + " before, " + after + " after.");
            lab.check(after.equals(Long.toString(limit)), "The limit arrived in the kernel.",
                    "CRI → containerd's task Update → the shim's Update → `runc update` → the cgroup's memory limit file.");

            lab.step("9. StopContainer, RemoveContainer: the shim stays for the rest of the pod");
            call(out, "RuntimeService/StopContainer", "container_id: <container-id>, timeout: 10");
            cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(containerId).setTimeout(10).build());
            ContainerStatus stopped = containerStatus(cri, containerId).getStatus();
            answer(out, "(ContainerStatus) state: " + stopped.getState() + ", exit_code: " + stopped.getExitCode() + ", reason: " + stopped.getReason());
            call(out, "RuntimeService/RemoveContainer", "container_id: <container-id>");
            cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
            int left = cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount();
            call(out, "RuntimeService/ListContainers", "");
            answer(out, left + " container" + (left == 1 ? "" : "s") + " (the sidecar" + (left > 1 ? ", and the one it replaced" : "") + ")");
            lab.await("the app's processes are gone", () -> !Procs.alive(init));
            lab.show(tree("After RemoveContainer", containerdPid, shim, pause, activeSidecar[0]));
            lab.check(stopped.getExitCode() == 0 && "Completed".equals(stopped.getReason()) && Procs.alive(shim),
                    "The container stopped on SIGTERM (exit 0, Completed) and is gone; the shim still runs, for the sandbox",
                    "and the sidecar. CRI sent SIGTERM (it would have sent SIGKILL after the 10 s); the shim reported the",
                    "exit; on RemoveContainer containerd deleted the task.");

            lab.step("10. StopPodSandbox, RemovePodSandbox: the shim goes");
            call(out, "RuntimeService/StopPodSandbox", "pod_sandbox_id: <sandbox-id>");
            cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            call(out, "RuntimeService/RemovePodSandbox", "pod_sandbox_id: <sandbox-id>");
            cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
            int pods = cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
            int containers = cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount();
            call(out, "RuntimeService/ListPodSandbox", "");
            answer(out, pods + " pod sandboxes");
            call(out, "RuntimeService/ListContainers", "");
            answer(out, containers + " containers");
            boolean shimGone = Procs.await(60_000, () -> !Procs.alive(shim));
            lab.show(tree("After RemovePodSandbox", containerdPid, shim, pause));
            Path socket = Path.of("/run/containerd/s", sha256(containerd.address() + "/k8s.io/" + sandboxId));
            lab.check(pods == 0 && containers == 0 && shimGone && !Files.exists(socket),
                    "The pod is gone, with its containers, its shim, and the shim's socket in /run/containerd/s.",
                    "StopPodSandbox stopped the sidecar and the pause; RemovePodSandbox removed the containers with the",
                    "sandbox. With no container left the shim exited. On a node this is `kubectl delete pod`.");
        }
    }

    /** The sidecar running now (the stretch replaces it), for the pictures after it. */
    private static final int[] activeSidecar = {0};

    /** Your addContainer(), its answer shown. */
    private static String addContainer(Lab lab, Exercise yours, CriClient cri, String sandboxId, PodSandboxConfig sandboxConfig,
                                       String name, List<String> command) {
        call(lab.out(), "your addContainer(\"" + name + "\")", "command: " + command);
        String id = yours.addContainer(cri, POD, sandboxId, sandboxConfig, name, command);
        if (id == null || id.isEmpty()) {
            throw fail(lab, "addContainer(\"" + name + "\") returns the id CreateContainer gave", "a container id", "\"" + id + "\"");
        }
        return id;
    }

    /**
     * The container runs in the pod's sandbox with the name and restart count kubelet gives it, and containerd marked
     * it with the sandbox's id; its host pid.
     */
    private static int expectRunning(Lab lab, CriClient cri, CriContainerd containerd, String sandboxId, String id, String name,
                                     int attempt, String shownId) throws Exception {
        Out out = lab.out();
        ListContainersResponse inPod = cri.listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId)).build());
        if (inPod.getContainersList().stream().noneMatch(c -> c.getId().equals(id))) {
            throw fail(lab, "Container " + name + " is in the pod's sandbox", "a container of sandbox <sandbox-id>",
                    "ListContainers with that sandbox has no " + id + ": CreateContainer names the sandbox it goes into (pod_sandbox_id)");
        }
        ContainerStatusResponse status = containerStatus(cri, id);
        call(out, "RuntimeService/ContainerStatus", "container_id: " + shownId + ", verbose: true");
        ContainerStatus s = status.getStatus();
        if (s.getState() != ContainerState.CONTAINER_RUNNING) {
            throw fail(lab, "Container " + name + " runs", "state CONTAINER_RUNNING", "state " + s.getState()
                    + (s.getState() == ContainerState.CONTAINER_CREATED ? ": CreateContainer only creates it (runc create);"
                    + " StartContainer starts it" : ""));
        }
        if (!s.getMetadata().getName().equals(name) || s.getMetadata().getAttempt() != attempt) {
            throw fail(lab, "Container " + name + " has the name and restart count kubelet gives it",
                    "metadata.name \"" + name + "\", attempt " + attempt,
                    "metadata.name \"" + s.getMetadata().getName() + "\", attempt " + s.getMetadata().getAttempt());
        }
        int pid = lab.pid((int) VerboseInfo.pid(status.getInfoMap()).orElse(0));
        answer(out, "state: " + s.getState() + ", metadata: {name: " + name + ", attempt: " + attempt + "}, info.pid: " + pid
                + ", log_path: " + s.getLogPath());
        Path bundleConfig = containerd.dir().resolve("state/io.containerd.runtime.v2.task/k8s.io").resolve(id).resolve("config.json");
        out.command("grep -o '\"io.kubernetes.cri.[a-z-]*\": *\"[^\"]*\"' " + bundleConfig);
        String annotations = annotations(Files.readString(bundleConfig));
        out.output(annotations);
        if (!annotations.contains("\"io.kubernetes.cri.sandbox-id\":\"" + sandboxId + "\"")) {
            throw fail(lab, "containerd marked " + name + " as part of the pod", "io.kubernetes.cri.sandbox-id <sandbox-id> in its config.json",
                    "another sandbox id, or none");
        }
        return pid;
    }

    /** One shim for the whole pod, and the container's init is its child. */
    private static void onePodShim(Lab lab, CriContainerd containerd, int shim, int init, String name) {
        List<Long> shims = HostProcesses.shimsOf(containerd.address());
        if (Procs.ppid(init) != shim || !shims.equals(List.of((long) shim))) {
            throw fail(lab, "One shim serves the whole pod",
                    "the pod's shim " + shim + " the parent of " + name + "'s init " + init + ", and the only shim",
                    "shims " + shims + ", " + name + "'s init a child of " + Procs.ppid(init) + ": a sandbox of its own?"
                            + " (RunPodSandbox makes a new pod; a container joins one with CreateContainer's pod_sandbox_id)");
        }
    }

    /** The container's log file, where kubelet's layout puts it, with the line the container printed first. */
    private static void expectLog(Lab lab, CriClient cri, String id, Path logs, String name, int attempt, String line) throws Exception {
        Out out = lab.out();
        Path log = logs.resolve(name).resolve(attempt + ".log");
        String logPath = containerStatus(cri, id).getStatus().getLogPath();
        if (!Path.of(logPath).equals(log)) {
            throw fail(lab, "The log is where kubelet looks for it (kubectl logs)", log.toString(),
                    (logPath.isEmpty() ? "no log at all: the container config has no log_path" : logPath)
                            + ". containerd puts a container's log at the sandbox's log_directory + the container's log_path;"
                            + " kubelet's layout is <container name>/<restart count>.log");
        }
        lab.await("containerd has written the first line to " + log, () -> read(log).contains(line));
        out.command("cat " + log);
        out.output(read(log));
        lab.check(read(log).contains(" stdout F " + line + "\n"),
                "The container's stdout is in the log file kubelet named (what `kubectl logs` reads).",
                "The shim only copies the container's stdout and stderr into pipes containerd reads; containerd's CRI",
                "plugin writes them here: timestamp, stream, F (a full line) or P (part of one), the text.");
    }

    /** The stretch: the sidecar dies; kubelet's restart of it. */
    private static void restart(Lab lab, Stretch yours, CriClient cri, CriContainerd containerd, String sandboxId,
                                PodSandboxConfig sandboxConfig, String deadId, int deadPid, Path logs, int shim) throws Exception {
        Out out = lab.out();
        lab.say("The sidecar's main process dies (the lab kills it, SIGKILL). kubelet sees it exited and, with the pod's",
                "restartPolicy Always, starts it again: your restart().");
        out.command("kill -KILL " + deadPid);
        Posix.kill(deadPid, Posix.SIGKILL);
        lab.await("the sidecar has exited", () -> containerStatus(cri, deadId).getStatus().getState() == ContainerState.CONTAINER_EXITED);
        ContainerStatus dead = containerStatus(cri, deadId).getStatus();
        call(out, "RuntimeService/ContainerStatus", "container_id: <sidecar-id>");
        answer(out, "state: " + dead.getState() + ", exit_code: " + dead.getExitCode() + ", reason: " + dead.getReason());
        call(out, "your restart(<sidecar-id>)", "");
        String id;
        try {
            id = yours.restart(cri, POD, sandboxId, sandboxConfig, deadId, "sidecar", SIDECAR);
        } catch (dev.jrunc.cri.CriCallException refused) {
            throw fail(lab, "restart() starts the sidecar again", "a new container, sidecar, attempt 1",
                    "containerd refused: " + refused.getMessage() + ". A container that exited cannot be started again;"
                            + " kubelet creates a new one, with the same name and the restart count in metadata.attempt"
                            + " (containerd keeps each name and attempt for one container)");
        }
        if (id == null || id.equals(deadId)) {
            throw fail(lab, "restart() starts the sidecar again", "a new container id", id == null ? "null" : "the dead one's id");
        }
        out.normalizer().rule(Pattern.quote(id), "<restarted-sidecar-id>");
        int pid = expectRunning(lab, cri, containerd, sandboxId, id, "sidecar", 1, "<restarted-sidecar-id>");
        activeSidecar[0] = pid;
        onePodShim(lab, containerd, shim, pid, "the restarted sidecar");
        ContainerStatus old = cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
                .anyMatch(c -> c.getId().equals(deadId)) ? containerStatus(cri, deadId).getStatus() : null;
        if (old == null) {
            throw fail(lab, "The dead sidecar is kept, for its log", "<sidecar-id> still listed, CONTAINER_EXITED",
                    "it was removed: kubelet keeps the last dead instance of a container, so that `kubectl logs --previous`"
                            + " still finds sidecar/0.log");
        }
        expectLog(lab, cri, id, logs, "sidecar", 1, "sidecar of " + POD.name());
        // the new one's running, attempt and shim: proven above; the dead one's state and log: here
        lab.check(old.getState() == ContainerState.CONTAINER_EXITED && Files.exists(logs.resolve("sidecar").resolve("0.log")),
                "A new container, attempt 1, in the same pod and the same shim; the dead one kept, with its log",
                "sidecar/0.log. `kubectl get pod` counts it as RESTARTS 1.");
    }

    // ---- printing ----------------------------------------------------------------------------------------------

    private static void call(Out out, String method, String request) {
        out.say("→ " + method + (request.isEmpty() ? "" : "  { " + request + " }"));
    }

    private static void answer(Out out, String response) {
        out.say("    ← " + response);
    }

    private static Lab.ClaimFailed fail(Lab lab, String claim, String expected, String actual) {
        return lab.fail(claim, Wrap.claim(expected), Wrap.claim(actual));
    }

    /** A process's namespaces (net, uts, ipc, pid), each named by a letter in order of first appearance (no inode numbers in the book). */
    private static Map<String, String> namespaces(String pid, Map<String, String> letters) throws java.io.IOException {
        Map<String, String> of = new LinkedHashMap<>();
        for (String type : List.of("net", "uts", "ipc", "pid")) {
            String link = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type)).toString();
            long same = letters.keySet().stream().filter(k -> k.startsWith(type + ":")).count();
            of.put(type, letters.computeIfAbsent(link, l -> type + ":[" + (char) ('A' + same) + "]"));
        }
        return of;
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

    /**
     * The processes that are still alive (an exited shim may linger as a zombie where pid 1 is slow to reap): the
     * pod's shim, the pause, and the containers' inits, each labelled with its container's name.
     */
    private static ProcessTree tree(String title, int containerd, int shim, int pause, int... inits) {
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
        for (int init : inits) {
            if (init > 0 && Procs.alive(init)) {
                boolean app = Procs.read(init).args().toString().contains("hello from");
                tree.show(init, Kind.CONTAINER, app ? "container app" : "container sidecar",
                        app ? "sh -c echo \"hello from $POD_NAME\"; …" : "sh -c echo \"sidecar of $POD_NAME\"; …");
            }
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
