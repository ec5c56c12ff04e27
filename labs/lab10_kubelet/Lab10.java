///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//DEPS dev.jrunc:jrunc-cri:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES CriContainerd.java
//SOURCES CriLog.java
//SOURCES ContainerdEvents.java
//SOURCES KubeletProcess.java
//SOURCES StaticPods.java
//SOURCES exercise/FindPod.java
//SOURCES solution/FindPod.java
//DESCRIPTION Lab 10, kubelet without a cluster: a real kubelet, static pods, and what each of its notions costs a shim.
package lab10_kubelet;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.jrunc.cri.CriClient;
import dev.jrunc.cri.PodRequests;
import dev.jrunc.cri.VerboseInfo;
import dev.jrunc.cri.proto.Container;
import dev.jrunc.cri.proto.ContainerFilter;
import dev.jrunc.cri.proto.ContainerStatusRequest;
import dev.jrunc.cri.proto.ListContainersRequest;
import dev.jrunc.cri.proto.ListPodSandboxRequest;
import dev.jrunc.cri.proto.PodSandbox;
import dev.jrunc.cri.proto.PodSandboxFilter;
import dev.jrunc.cri.proto.PodSandboxState;
import dev.jrunc.cri.proto.PodSandboxStatusRequest;
import dev.jrunc.kubelet.KubeletApi;
import dev.jrunc.kubelet.KubeletBinary;
import dev.jrunc.kubelet.PodStatusView;
import dev.jrunc.kubelet.PodStatusView.ContainerView;
import dev.jrunc.kubelet.StandaloneKubelet;
import dev.jrunc.shim.posix.Posix;
import kit.HostProcesses;
import kit.Lab;
import kit.Out;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.Sh;

/**
 * Lab 10, kubelet without a cluster. Lab 09 played kubelet; here a real one drives the shim: a standalone kubelet
 * (no API server: its pods come from manifests in a folder, "static pods") whose CRI endpoint is the lab's own
 * containerd, whose default runtime is our shim. The lab shows kubelet's view of its pods (its {@code /pods} API:
 * phase, Ready, restarts, exit codes) beside the shims' (the process tree, containerd's events), and what each of
 * kubelet's notions costs a shim: a sandbox is a shim's {@code start} and a pause container, a probe an exec, a
 * crash-loop restart a Delete and a Create and Start in the same shim, a removed manifest a StopPodSandbox and the
 * shim's Shutdown.
 *
 * <p>Your part ({@link Exercise}): from a pod's namespace and name to its sandbox, its shim and its containers'
 * pids, through CRI and /proc.
 *
 * <p>kubelet is not part of the repository: {@link KubeletBinary} says where one comes from; without one the lab
 * reports itself skipped.
 */
public final class Lab10 {
    static final String NODE = "jrunc-lab10";
    static final String HANDLER = "jrunc";
    static final int PORT = 10650;
    static final int HEALTHZ_PORT = 10648;
    static final String CGROUP_ROOT = "/jrunc-lab10";

    /** Where a pod runs on the host: its sandbox, the shim serving it, the pid of each running container. */
    public record PodOnHost(String sandboxId, long shimPid, List<Long> containerPids) {
    }

    /** What you write in exercise/FindPod.java. */
    public interface Exercise {
        /** The pod {@code namespace}/{@code name} (as kubelet names it) on this machine, from CRI and /proc only. */
        PodOnHost find(CriClient cri, String namespace, String name) throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("10", "kubelet without a cluster", "labs/lab10_kubelet/exercise/FindPod.java", args, Lab10::kubelet));
    }

    static void kubelet(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab10_kubelet.solution.FindPod() : new lab10_kubelet.exercise.FindPod();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();   // gRPC's one-line warnings would clutter the output
        KubeletBinary.Found found = KubeletBinary.find();
        if (!found.present()) {
            throw new Lab.Skipped(found.skipped());
        }
        if (!Files.isExecutable(lab.repo().resolve("shim/target/containerd-shim-jrunc-v2"))) {
            throw new Lab.CannotRun("shim/target/containerd-shim-jrunc-v2 is missing: build the shim first (./verify.sh build)");
        }
        Path binary = found.kubelet().get();

        lab.step("1. A kubelet, and no cluster");
        lab.say("kubelet is the node agent: it gets pods, has containerd run them through CRI, and reports how they are.",
                "Usually the pods come from the API server. Without one, kubelet runs \"static pods\": every manifest in a",
                "folder is a pod, and removing the file removes the pod. No scheduler, no kubectl; its own small HTTP API",
                "says what it runs. The kubelet here is " + Out.vary(shown(binary), "<kubelet>") + ":");
        out.command(Out.vary(shown(binary), "<kubelet>") + " --version");
        String version = Sh.run(binary.toString(), "--version").stdout().strip();
        out.output(Out.vary(version, "Kubernetes v1.<minor>.<patch>"));
        List<Integer> minor = KubeletBinary.minorVersion(version);
        if (minor.isEmpty() || minor.get(0) < 1 || (minor.get(0) == 1 && minor.get(1) < 34)) {
            throw new Lab.Skipped("skipped, because this lab needs kubelet 1.34 or newer and " + binary + " says \"" + version + "\"");
        }

        lab.step("2. containerd, with jrunc as its default runtime");
        lab.say("On a cluster a pod names its runtime through a RuntimeClass, an API object kubelet looks up in the API",
                "server. A kubelet without one has nowhere to look (so the manifests here name none), and every pod gets",
                "containerd's default CRI handler. The lab's containerd makes that jrunc:");
        KubeletProcess.removeCgroupsLast(lab, CGROUP_ROOT);
        out.command("CRI=1 CRI_DEFAULT_RUNTIME=" + HANDLER + " shim/scripts/private-containerd.sh start " + lab.work().resolve("containerd") + " k8s.io");
        CriContainerd containerd = CriContainerd.start(lab, HANDLER);
        int containerdPid = lab.pid(containerd.pid());
        out.command("grep -E 'default_runtime_name|runtimes|runtime_type' " + containerd.dir().resolve("config.toml"));
        out.output(String.join("\n", containerd.runtimeLines()));
        ContainerdEvents events = ContainerdEvents.start(lab, CriContainerd.ctr(), containerd.address(), lab.work().resolve("events.txt"));
        lab.say("(and `ctr events` runs in the background from now on: every task event a shim publishes)");

        lab.step("3. kubelet's config, and kubelet started");
        StandaloneKubelet kubelet = new StandaloneKubelet(lab.work().resolve("kubelet"), Path.of(containerd.address()), NODE, PORT,
                HEALTHZ_PORT, CGROUP_ROOT);
        Map<String, String> kernelBefore = kernelSettings();
        KubeletProcess process = KubeletProcess.start(lab, kubelet, binary);
        int kubeletPid = lab.pid(process.pid());
        out.command("cat " + kubelet.configFile());
        out.output(kubelet.config());
        lab.say("What kubelet would otherwise change on the machine itself, it changes in a mount namespace of its own:");
        out.command("cat " + kubelet.wrapper());
        out.output(kubelet.wrapperScript());
        List<String> command = new ArrayList<>(kubelet.command(binary));
        command.set(command.indexOf(binary.toString()), Out.vary(shown(binary), "<kubelet>"));
        out.command(String.join(" ", command) + " 2>" + kubelet.log() + " &");
        KubeletApi api = new KubeletApi(kubelet);
        lab.await("kubelet answers on http://127.0.0.1:" + HEALTHZ_PORT + "/healthz (its log: " + kubelet.log() + ")", api::healthy);
        lab.await("kubelet's process " + kubeletPid + " runs kubelet", () -> Procs.settled(kubeletPid, "kubelet"));
        out.command("curl -s http://127.0.0.1:" + HEALTHZ_PORT + "/healthz");
        out.output("ok");
        Map<String, String> kernelAfter = kernelSettings();
        lab.show(tree("kubelet beside containerd, no pods yet", containerdPid, kubeletPid, List.of()));
        lab.check(kernelAfter.equals(kernelBefore) && !Files.exists(Path.of("/var/lib/kubelet/device-plugins/kubelet.sock")),
                "kubelet runs, and the machine's kernel settings and /var/lib are as they were.",
                "In its namespace kubelet read the values it wants from the lab's files (the six settings are the same",
                "before and after), and put its device-plugin socket into the lab's folder, not into /var/lib/kubelet.");

        try (CriClient cri = CriClient.connect(Path.of(containerd.address()))) {
            CriLog criLog = new CriLog(containerd.log());
            String web = kubelet.staticPodName("web");

            lab.step("4. A static pod: a sandbox, containers, and a probe that is an exec");
            Path gate = lab.work().resolve("gate");
            Files.createDirectories(gate);
            Posix.mkfifo(gate.resolve("ready").toString(), 0644);
            lab.say("Pod web has an init container, which runs first and exits, and two containers; app's readiness probe",
                    "runs `cat /gate/ready`, and /gate/ready is a FIFO in a host folder: the probe's cat waits until the lab",
                    "writes to it. A pod is Ready only once its probe passes.");
            out.command("cat " + kubelet.manifests().resolve("web.yaml"));
            out.output(StaticPods.web("default", gate));
            criLog.mark();
            StaticPods.drop(kubelet.manifests(), "web.yaml", StaticPods.web("default", gate));
            lab.await("a READY sandbox for default/" + web, () -> readySandbox(cri, "default", web).isPresent());
            String webSandbox = readySandbox(cri, "default", web).get();
            out.normalizer().rule(Pattern.quote(webSandbox), "<web sandbox>");
            int webShim = lab.pid((int) shimOf(cri, webSandbox));
            int webPause = lab.pid((int) pauseOf(cri, webSandbox));
            lab.await("the probe's `cat /gate/ready` runs under the pod's shim " + webShim, () -> probe(webShim).isPresent());
            lab.await("both containers of default/" + web + " run (kubelet starts them one after the other)",
                    () -> running(cri, webSandbox) == 2);
            int probe = probe(webShim).get();
            Map<String, Container> webContainers = containers(cri, webSandbox);
            int webApp = lab.pid((int) containerPid(cri, webContainers.get("app").getId()));
            int webHelper = lab.pid((int) containerPid(cri, webContainers.get("helper").getId()));
            lab.pid(probe);
            webContainers.forEach((name, c) -> out.normalizer().rule(Pattern.quote(c.getId()), "<web " + name + ">"));
            lab.say("kubelet read the file, and made these CRI calls (containerd's CRI plugin logs them):");
            printCalls(out, criLog.sinceMark());
            lab.await("app's init " + webApp + " and helper's " + webHelper + " have exec'd sh and wait for their sleep",
                    () -> Procs.settledWithChild(webApp, "sh", "sleep") && Procs.settledWithChild(webHelper, "sh", "sleep")
                            && Procs.settled(webPause, "pause") && Procs.settled(probe, "cat"));
            lab.show(tree("Pod web: one shim; pause, two containers, and the probe", containerdPid, kubeletPid,
                    List.of(new ShimView(webShim, "default/web's shim", webPause, Map.of("app", webApp, "helper", webHelper), probe))));
            String probeExec = execStartedBy(events, probe);
            out.normalizer().rule(Pattern.quote(probeExec), "<probe exec>");
            out.command("ctr events   # the task events of this exec, as the shim published them");
            printEvents(out, awaitEvents(lab, events, "the probe's exec-added and exec-started events", 2,
                    e -> probeExec.equals(e.text("exec_id"))));
            PodStatusView waiting = pod(api, "default", web);
            printPods(out, List.of(waiting));
            lab.check(Procs.ppid(probe) == webShim && Procs.ppid(webApp) == webShim && Procs.ppid(webHelper) == webShim
                            && Procs.ppid(webPause) == webShim && "False".equals(waiting.ready()),
                    "One shim serves the pod: the pause, both containers' inits, and the probe's process are its children.",
                    "A readiness probe of type exec is CRI ExecSync: containerd asks the pod's shim for Exec (a new process in",
                    "container app), Start, and waits for its exit. Until it exits 0 the pod is not Ready.");

            lab.say("Now the lab writes a line into the FIFO (and puts a plain file in its place for the next probes):");
            release(gate.resolve("ready"));
            lab.await("kubelet reports default/" + web + " Ready", () -> "True".equals(podOrNull(api, "default", web).ready()));
            lab.await("the exit event of the probe's exec", () -> !exitsOf(events, probeExec).isEmpty());
            List<ContainerdEvents.Event> probeExit = exitsOf(events, probeExec);
            printEvents(out, probeExit);
            PodStatusView ready = pod(api, "default", web);
            printPods(out, List.of(ready));
            lab.check(probeExit.get(0).exitStatus() == 0 && ready.containers().stream().allMatch(ContainerView::ready),
                    "The probe's exec exited 0, and kubelet turned that into Ready.",
                    "From now on the probe runs every 2 s: an exec each time, Exec, Start, the exit and its Delete in the shim.");

            lab.step("5. Two more pods: one shim each, and a crash loop");
            lab.say("Pod web once more, in namespace other, and pod crash, whose container exits 3 at once, every time:");
            out.command("cat " + kubelet.manifests().resolve("crash.yaml"));
            out.output(StaticPods.crash("default"));
            criLog.mark();
            StaticPods.drop(kubelet.manifests(), "other-web.yaml", StaticPods.plainWeb("other"));
            StaticPods.drop(kubelet.manifests(), "crash.yaml", StaticPods.crash("default"));
            String crash = kubelet.staticPodName("crash");
            lab.await("a READY sandbox for default/" + crash, () -> readySandbox(cri, "default", crash).isPresent());
            String crashSandbox = readySandbox(cri, "default", crash).get();
            out.normalizer().rule(Pattern.quote(crashSandbox), "<crash sandbox>");
            int crashShim = lab.pid((int) shimOf(cri, crashSandbox));
            lab.await("kubelet reports default/" + crash + " restarted twice", () -> {
                ContainerView c = podOrNull(api, "default", crash).container("app");
                return c != null && c.restartCount() >= 2;
            });
            PodStatusView crashed = pod(api, "default", crash);
            lab.await("kubelet reports other/" + web + " Ready", () -> "True".equals(podOrNull(api, "other", web).ready()));
            String otherSandbox = readySandbox(cri, "other", web).get();
            out.normalizer().rule(Pattern.quote(otherSandbox), "<other web sandbox>");
            int otherShim = lab.pid((int) shimOf(cri, otherSandbox));
            int otherPause = lab.pid((int) pauseOf(cri, otherSandbox));
            Map<String, Container> otherContainers = containers(cri, otherSandbox);
            otherContainers.forEach((name, c) -> out.normalizer().rule(Pattern.quote(c.getId()), "<other web " + name + ">"));
            int otherApp = lab.pid((int) containerPid(cri, otherContainers.get("app").getId()));
            int crashPause = lab.pid((int) pauseOf(cri, crashSandbox));
            printPods(out, List.of(pod(api, "default", web), pod(api, "other", web), crashed));
            lab.await("the pods' processes have exec'd", () -> Procs.settled(otherPause, "pause") && Procs.settled(crashPause, "pause")
                    && Procs.settledWithChild(otherApp, "sh", "sleep"));
            List<ShimView> shims = List.of(
                    new ShimView(webShim, "default/web's shim", webPause, Map.of("app", webApp, "helper", webHelper), 0),
                    new ShimView(otherShim, "other/web's shim", otherPause, Map.of("app", otherApp), 0),
                    new ShimView(crashShim, "default/crash's shim", crashPause, Map.of(), 0));
            lab.show(tree("Three pods, three shims", containerdPid, kubeletPid, shims));
            List<CriLog.Call> creates = criLog.sinceMark().stream()
                    .filter(c -> c.method().equals("CreateContainer") && c.id().equals(crashSandbox) && !c.created().isEmpty()).toList();
            String attempt0 = creates.get(0).created();
            String attempt1 = creates.get(1).created();
            out.normalizer().rule(Pattern.quote(attempt0), "<crash app, attempt 0>");
            out.normalizer().rule(Pattern.quote(attempt1), "<crash app, attempt 1>");
            lab.say("The first restart, in containerd's events: the old container's task exits 3 and is deleted; kubelet",
                    "creates a NEW container (attempt 1) in the same sandbox, and its task is created and started:");
            out.command("ctr events   # the events of attempts 0 and 1 of crash's container app");
            printEvents(out, awaitEvents(lab, events, "attempt 0's exit and delete, attempt 1's create and start", 4,
                    e -> (attempt0.equals(e.text("container_id")) && (e.topic().equals("/tasks/exit") || e.topic().equals("/tasks/delete")))
                            || (attempt1.equals(e.text("container_id")) && (e.topic().equals("/tasks/create") || e.topic().equals("/tasks/start")))));
            ContainerView crashApp = crashed.container("app");
            lab.check(crashApp.lastExitCode() != null && crashApp.lastExitCode() == 3 && "Error".equals(crashApp.lastReason())
                            && Procs.alive(crashShim) && HostProcesses.shimsOf(containerd.address()).size() == 3,
                    "kubelet counts the restarts and keeps the last exit code (3, reason Error); the shim stayed the same.",
                    "A restart is not a restart to containerd: kubelet creates a new container in the same sandbox, and",
                    "containerd runs its task in the pod's shim (pid " + crashShim + " since the pod began), after deleting the exited",
                    "task there. Three pods, three shims: one per pod, however often its containers restart.");

            lab.step("6. Your exercise: find a pod on the host");
            lab.say("kubelet says default/" + web + " runs. Where? Your find() gets a CRI client and the pod's namespace and",
                    "name, and answers with its sandbox, its shim's pid and its running containers' pids. It is asked twice: for",
                    "default/" + web + " and for other/" + web + ".");
            int right = 0;
            for (String namespace : List.of("default", "other")) {
                PodOnHost truth = truth(api, cri, containerd, namespace, web);
                PodOnHost answer = ask(lab, yours, cri, namespace, web);
                out.say("find(cri, \"" + namespace + "\", \"" + web + "\") = " + shown(answer));
                judge(lab, cri, containerd, namespace + "/" + web, truth, answer);
                right++;
            }
            lab.check(right == 2, "Both answers are right: the sandbox by name AND namespace, READY; the shim, parent of the pause;",
                    "the containers' init processes, as containerd started them (not the pause, not their children, not a probe).");

            lab.step("7. A manifest removed: StopPodSandbox, and the shim's Shutdown");
            criLog.mark();
            out.command("rm " + kubelet.manifests().resolve("web.yaml"));
            Files.delete(kubelet.manifests().resolve("web.yaml"));
            lab.await("default/" + web + "'s shim " + webShim + " exits", () -> !Procs.alive(webShim));
            lab.await("kubelet no longer lists default/" + web, () -> {
                try {
                    return api.pods().stream().noneMatch(p -> p.fullName().equals("default/" + web));
                } catch (IOException notAnswering) {
                    return false;
                }
            });
            lab.say("kubelet stopped the pod's containers (both at once), then its sandbox:");
            printCalls(out, stopsInOrder(criLog.sinceMark(), webSandbox, webContainers));
            out.command("ctr events   # the pod's task events since then, container by container");
            for (String id : List.of(webContainers.get("app").getId(), webContainers.get("helper").getId(), webSandbox)) {
                printEvents(out, awaitEvents(lab, events, "the exit and delete events of " + id, 2, e -> id.equals(e.text("container_id"))
                        && (e.topic().equals("/tasks/exit") && id.equals(e.text("id")) || e.topic().equals("/tasks/delete"))));
            }
            lab.show(tree("After web.yaml was removed", containerdPid, kubeletPid, shims));
            List<PodStatusView> left = new ArrayList<>(api.pods());
            left.sort(Comparator.comparing(PodStatusView::fullName));
            printPods(out, left, false);
            lab.check(!Procs.alive(webShim) && Procs.alive(otherShim) && Procs.alive(crashShim),
                    "The pod's shim is gone; the other pods' shims still run.",
                    "StopContainer: containerd killed each container's task, the shim reported the exits, containerd deleted",
                    "the tasks. StopPodSandbox: the same for the pause; with its last task deleted, containerd called the",
                    "shim's Shutdown, and the shim exited. (RemovePodSandbox follows later, from kubelet's garbage collector.)");

            lab.step("8. kubelet's words, the shim's calls");
            out.output(String.join("\n",
                    "kubelet                 CRI (kubelet → containerd)         the pod's shim (containerd → shim)",
                    "pod sandbox             RunPodSandbox                      `start` (a new shim process), Create + Start: pause",
                    "container               CreateContainer, StartContainer    Create + Start in the same shim",
                    "exec probe, /run        ExecSync                           Exec, Start, (exit event), Delete of an exec",
                    "restart (crash loop)    CreateContainer, StartContainer    (the exited task was Deleted) Create + Start",
                    "pod removed             StopContainer…, StopPodSandbox     Kill, (exit), Delete of each task; Shutdown"));
        }
    }

    // ---- kubelet's view ------------------------------------------------------------------------------------------

    private static PodStatusView pod(KubeletApi api, String namespace, String name) throws IOException {
        PodStatusView p = podOrNull(api, namespace, name);
        if (p.name().isEmpty()) {
            throw new Lab.CannotRun("kubelet does not list " + namespace + "/" + name);
        }
        return p;
    }

    /** The pod as kubelet reports it; a pod with an empty name when kubelet does not list it (or does not answer). */
    private static PodStatusView podOrNull(KubeletApi api, String namespace, String name) {
        try {
            for (PodStatusView p : api.pods()) {
                if (p.namespace().equals(namespace) && p.name().equals(name)) {
                    return p;
                }
            }
        } catch (IOException notYet) {
            // kubelet is starting
        }
        return new PodStatusView(namespace, "", "", "", "", List.of(), List.of());
    }

    /** Like kubectl get pods, one line per container: what kubelet says. */
    private static void printPods(Out out, List<PodStatusView> pods) {
        printPods(out, pods, true);
    }

    /** @param countsAsSeen false: a crash-looping pod's restart count shows as {@code <n>} in the book (it keeps rising) */
    private static void printPods(Out out, List<PodStatusView> pods, boolean countsAsSeen) {
        out.command("curl -s --cacert <cert dir>/kubelet.crt --resolve " + NODE + ":" + PORT + ":127.0.0.1 https://" + NODE + ":" + PORT
                + "/pods   # in short:");
        StringBuilder table = new StringBuilder("POD  PHASE  READY  CONTAINER  RESTARTS  STATE  LAST EXIT\n");
        for (PodStatusView p : pods) {
            // A crash-looping pod is Ready or not, running or waiting, depending on the moment: the book says so.
            boolean looping = p.containers().stream().anyMatch(c -> c.restartCount() > 0);
            for (ContainerView c : p.containers()) {
                String state = c.state() + (c.reason().isEmpty() ? "" : ":" + c.reason());
                table.append(p.fullName()).append("  ").append(p.phase()).append("  ")
                        .append(looping ? Out.vary(p.ready(), "True|False") : p.ready()).append("  ").append(c.name())
                        .append("  ").append(looping && !countsAsSeen ? Out.vary(c.restartCount(), "<n>") : c.restartCount()).append("  ")
                        .append(looping ? Out.vary(state, "running|waiting|terminated") : state)
                        .append("  ").append(c.lastExitCode() == null ? "-" : c.lastExitCode() + " (" + c.lastReason() + ")").append('\n');
            }
        }
        out.outputTable(table.toString());
    }

    // ---- CRI's view ----------------------------------------------------------------------------------------------

    private static Optional<String> readySandbox(CriClient cri, String namespace, String name) {
        List<PodSandbox> ready = cri.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                .putLabelSelector(PodRequests.POD_NAMESPACE_LABEL, namespace).putLabelSelector(PodRequests.POD_NAME_LABEL, name)).build())
                .getItemsList().stream().filter(s -> s.getState() == PodSandboxState.SANDBOX_READY).toList();
        return ready.size() == 1 ? Optional.of(ready.get(0).getId()) : Optional.empty();
    }

    private static long pauseOf(CriClient cri, String sandboxId) {
        return VerboseInfo.pid(cri.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).setVerbose(true).build())
                .getInfoMap()).orElseThrow(() -> new Lab.CannotRun("no pid for sandbox " + sandboxId));
    }

    private static long shimOf(CriClient cri, String sandboxId) {
        return HostProcesses.ppid(pauseOf(cri, sandboxId));
    }

    /** The sandbox's containers by name (the newest attempt of each). */
    private static Map<String, Container> containers(CriClient cri, String sandboxId) {
        Map<String, Container> byName = new LinkedHashMap<>();
        cri.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId)).build())
                .getContainersList().stream().sorted(Comparator.comparingInt(c -> c.getMetadata().getAttempt()))
                .forEach(c -> byName.put(c.getMetadata().getName(), c));
        return byName;
    }

    private static long running(CriClient cri, String sandboxId) {
        return cri.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId)).build())
                .getContainersList().stream().filter(c -> c.getState() == dev.jrunc.cri.proto.ContainerState.CONTAINER_RUNNING).count();
    }

    private static long containerPid(CriClient cri, String containerId) {
        return VerboseInfo.pid(cri.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).setVerbose(true).build())
                .getInfoMap()).orElse(0);
    }

    private static void printCalls(Out out, List<CriLog.Call> calls) {
        for (CriLog.Call c : calls) {
            String what = switch (c.method()) {
                case "RunPodSandbox" -> c.name() + (c.created().isEmpty() ? "" : " → " + c.created());
                case "CreateContainer" -> c.name() + " in " + c.id() + (c.created().isEmpty() ? "" : " → " + c.created());
                default -> c.id();
            };
            out.say("→ " + c.method() + "  " + what);
        }
    }

    /** The stop calls for one pod: its containers' StopContainer (kubelet sends them at once: by name here), then the sandbox's. */
    private static List<CriLog.Call> stopsInOrder(List<CriLog.Call> calls, String sandbox, Map<String, Container> containers) {
        List<CriLog.Call> stops = new ArrayList<>();
        for (Container c : containers.values().stream().sorted(Comparator.comparing(c -> c.getMetadata().getName())).toList()) {
            calls.stream().filter(k -> k.method().equals("StopContainer") && k.id().equals(c.getId())).findFirst().ifPresent(stops::add);
        }
        calls.stream().filter(k -> k.method().equals("StopPodSandbox") && k.id().equals(sandbox)).findFirst().ifPresent(stops::add);
        return stops;
    }

    // ---- the shims' view -----------------------------------------------------------------------------------------

    /** The probe's process: {@code cat /gate/ready}, a child of the pod's shim, blocked on the FIFO. */
    private static Optional<Integer> probe(int shim) {
        return Procs.withArguments("cat", "/gate/ready").stream().filter(p -> Procs.ppid(p) == shim && Procs.settled(p, "cat")).findFirst();
    }

    /** The exec id of the exec whose /tasks/exec-started event names this pid. */
    private static String execStartedBy(ContainerdEvents events, int pid) throws Exception {
        List<ContainerdEvents.Event> started = new ArrayList<>();
        Procs.await(60_000, () -> {
            try {
                started.clear();
                started.addAll(events.matching(e -> e.topic().equals("/tasks/exec-started") && e.text("pid").equals(Integer.toString(pid))));
            } catch (IOException e) {
                return false;
            }
            return !started.isEmpty();
        });
        if (started.isEmpty()) {
            throw new Lab.CannotRun("no /tasks/exec-started event for pid " + pid + " in ctr events");
        }
        return started.get(0).text("exec_id");
    }

    /** The matching events once there are {@code count} of them: containerd passes them on a moment after they happen. */
    private static List<ContainerdEvents.Event> awaitEvents(Lab lab, ContainerdEvents events, String what, int count,
            java.util.function.Predicate<ContainerdEvents.Event> which) {
        List<ContainerdEvents.Event> found = new ArrayList<>();
        lab.await(what + " in ctr events", () -> {
            try {
                found.clear();
                found.addAll(events.matching(which));
            } catch (IOException e) {
                return false;
            }
            return found.size() >= count;
        });
        return found;
    }

    private static List<ContainerdEvents.Event> exitsOf(ContainerdEvents events, String execId) {
        try {
            return events.matching(e -> e.topic().equals("/tasks/exit") && execId.equals(e.text("id")));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** One line per event: the topic and the fields that tell what happened (ids, pid, exit status). */
    private static void printEvents(Out out, List<ContainerdEvents.Event> list) {
        for (ContainerdEvents.Event e : list) {
            StringBuilder line = new StringBuilder(String.format("%-20s container_id: %s", e.topic(), e.text("container_id")));
            if (!e.text("exec_id").isEmpty()) {
                line.append(", exec_id: ").append(e.text("exec_id"));
            }
            if (e.topic().equals("/tasks/exit") && !e.text("id").equals(e.text("container_id"))) {
                line.append(", id: ").append(e.text("id"));
            }
            if (!e.text("pid").isEmpty() && !e.topic().equals("/tasks/create")) {
                out.normalizer().pid(Integer.parseInt(e.text("pid")));   // renumbered in the book, in the order shown
                line.append(", pid: ").append(e.text("pid"));
            }
            if (e.topic().equals("/tasks/exit") || e.topic().equals("/tasks/delete")) {
                line.append(", exit_status: ").append(e.exitStatus());
            }
            out.output(line.toString());
        }
    }

    /** The shims of our pods and what runs under each, for a picture. */
    record ShimView(int shim, String role, int pause, Map<String, Integer> containers, int probe) {
    }

    private static ProcessTree tree(String title, int containerd, int kubelet, List<ShimView> shims) {
        ProcessTree tree = ProcessTree.titled(title).inOrderShown().init();
        int adopter = Procs.ppid(containerd);
        if (adopter > 1) {
            tree.show(adopter, Kind.INIT, "adopts orphans");
        }
        tree.show(containerd, Kind.CONTAINERD, "containerd (CRI plugin inside)", "containerd --config …/lab10/containerd/config.toml");
        tree.show(kubelet, Kind.KUBELET, "kubelet (standalone)", "kubelet --config=…/lab10/kubelet/kubelet.yaml …");
        for (ShimView s : shims) {
            if (!Procs.alive(s.shim())) {
                continue;
            }
            tree.show(s.shim(), Kind.SHIM, s.role());
            tree.show(s.pause(), Kind.CONTAINER, "sandbox: pause");
            s.containers().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(c -> tree.show(c.getValue(), Kind.CONTAINER, "container " + c.getKey()));
            if (s.probe() > 0) {
                tree.show(s.probe(), Kind.CONTAINER, "exec in app: the readiness probe");
            }
        }
        return tree;
    }

    // ---- the exercise ----------------------------------------------------------------------------------------------

    /** An exception from your find() is not caught: the lab names it and the line of your file it came from. */
    private static PodOnHost ask(Lab lab, Exercise yours, CriClient cri, String namespace, String name) throws Exception {
        PodOnHost answer = yours.find(cri, namespace, name);
        if (answer == null || answer.sandboxId() == null || answer.containerPids() == null) {
            throw lab.fail("find() answers for " + namespace + "/" + name, "a PodOnHost with a sandbox id and a list of pids",
                    String.valueOf(answer));
        }
        return answer;
    }

    /**
     * The right answer, found another way than through CRI's verbose status: the sandbox by the pod's uid as
     * kubelet reports it, the shim by its -id argument, the containers' pids from containerd's bundles (init.pid)
     * of the containers kubelet reports running.
     */
    private static PodOnHost truth(KubeletApi api, CriClient cri, CriContainerd containerd, String namespace, String name) throws Exception {
        PodStatusView pod = pod(api, namespace, name);
        List<PodSandbox> sandboxes = cri.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                .putLabelSelector(PodRequests.POD_UID_LABEL, pod.uid())).build()).getItemsList().stream()
                .filter(s -> s.getState() == PodSandboxState.SANDBOX_READY).toList();
        if (sandboxes.size() != 1) {
            throw new Lab.CannotRun(sandboxes.size() + " READY sandboxes for pod uid " + pod.uid());
        }
        String sandbox = sandboxes.get(0).getId();
        long shim = HostProcesses.shimsOf(containerd.address()).stream()
                .filter(p -> HostProcesses.arguments(p).contains(sandbox)).findFirst()
                .orElseThrow(() -> new Lab.CannotRun("no shim process with -id " + sandbox));
        List<Long> pids = new ArrayList<>();
        for (ContainerView c : pod.containers()) {
            if (c.state().equals("running")) {
                pids.add(Long.parseLong(Files.readString(containerd.dir().resolve("state/io.containerd.runtime.v2.task/k8s.io")
                        .resolve(c.containerId()).resolve("init.pid")).strip()));
            }
        }
        pids.sort(null);
        return new PodOnHost(sandbox, shim, pids);
    }

    /** Compares an answer with the truth, and says what a wrong part is instead. */
    private static void judge(Lab lab, CriClient cri, CriContainerd containerd, String pod, PodOnHost truth, PodOnHost answer)
            throws Exception {
        if (!truth.sandboxId().equals(answer.sandboxId())) {
            throw lab.fail("the sandbox of " + pod, truth.sandboxId() + " (READY, labelled with the pod's name and namespace)",
                    answer.sandboxId().isEmpty() ? "no sandbox id" : answer.sandboxId() + ", " + whoseSandbox(cri, answer.sandboxId(), pod));
        }
        List<Long> exited = exitedPids(cri, truth.sandboxId());
        if (truth.shimPid() != answer.shimPid()) {
            throw lab.fail("the shim of " + pod, "pid " + truth.shimPid() + " (" + HostProcesses.programName(truth.shimPid()) + ", parent of the pause)",
                    "pid " + answer.shimPid() + ", " + whatProcess(answer.shimPid(), truth, containerd));
        }
        List<Long> given = new ArrayList<>(answer.containerPids());
        given.sort(null);
        if (!truth.containerPids().equals(given)) {
            List<String> wrong = new ArrayList<>();
            for (long p : given) {
                if (exited.contains(p)) {
                    wrong.add(p + " is what containerd reports for an EXITED container of the pod (the init container setup:"
                            + " ListContainers lists it too)");
                } else if (!truth.containerPids().contains(p)) {
                    wrong.add(p + " is " + whatProcess(p, truth, containerd));
                }
            }
            for (long p : truth.containerPids()) {
                if (!given.contains(p)) {
                    wrong.add(p + " is missing");
                }
            }
            throw lab.fail("the running containers' pids of " + pod, truth.containerPids() + " (each container's init)",
                    given + ": " + String.join("; ", wrong));
        }
        lab.say("    right: sandbox " + answer.sandboxId() + ", shim " + answer.shimPid() + ", containers " + inStartOrder(given));
    }

    /** The pids containerd reports for the sandbox's containers that are no longer running (0 where it has none). */
    private static List<Long> exitedPids(CriClient cri, String sandboxId) {
        return cri.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId)).build())
                .getContainersList().stream().filter(c -> c.getState() != dev.jrunc.cri.proto.ContainerState.CONTAINER_RUNNING)
                .map(c -> containerPid(cri, c.getId())).toList();
    }

    private static String whoseSandbox(CriClient cri, String id, String wanted) {
        List<PodSandbox> all = cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
        for (PodSandbox s : all) {
            if (s.getId().equals(id)) {
                String whose = s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
                String hint = whose.equals(wanted) ? " (an earlier sandbox of the pod: only one is READY)"
                        : wanted.endsWith("/" + s.getMetadata().getName()) ? " (same name, other namespace: a name is unique within its namespace only)" : "";
                return "the sandbox of " + whose + ", " + s.getState() + hint;
            }
        }
        return "which is no sandbox of this containerd";
    }

    /** What a wrong pid is: the pause, a child of a container, another pod's container or shim, an exec, … */
    private static String whatProcess(long pid, PodOnHost truth, CriContainerd containerd) {
        if (pid <= 0 || !HostProcesses.isAlive(pid)) {
            return "no running process";
        }
        long parent = HostProcesses.ppid(pid);
        if (HostProcesses.programName(pid).startsWith("containerd-shim-")) {
            return "the shim of another pod";
        }
        if (parent == truth.shimPid() && HostProcesses.arguments(pid).contains("/pause")) {
            return "the sandbox's pause process: it holds the pod's namespaces, it is no container of the pod's spec";
        }
        if (truth.containerPids().contains(parent)) {
            return "a child of container init " + parent + ": a container's pid is its init, not what that starts";
        }
        if (parent == truth.shimPid()) {
            return "a child of the shim that no container started: an exec (a probe?)";
        }
        if (HostProcesses.shimsOf(containerd.address()).contains(parent)) {
            return "a process of another pod (its shim is " + parent + ")";
        }
        return "not under this pod's shim (" + String.join(" ", HostProcesses.arguments(pid)) + ")";
    }

    private static String shown(PodOnHost a) {
        List<Long> pids = inStartOrder(a.containerPids() == null ? List.of() : a.containerPids());
        return "PodOnHost[sandboxId=" + a.sandboxId() + ", shimPid=" + a.shimPid() + ", containerPids=" + pids + " (oldest first)]";
    }

    /**
     * Pids as they came, oldest first: the book shows them renumbered in the order they first appear, and sorting
     * them by number would swap two of them whenever pids wrap around at pid_max between the two containers' starts.
     */
    private static List<Long> inStartOrder(List<Long> pids) {
        return pids.stream().sorted(Comparator.comparingLong((Long p) -> {
            Procs.Proc proc = Procs.read(p);
            return proc == null ? Long.MAX_VALUE : proc.startTicks();
        }).thenComparing(Comparator.naturalOrder())).toList();
    }

    // ---- the host ----------------------------------------------------------------------------------------------

    /** Lets the blocked probe go: a plain file takes the FIFO's name for the probes to come, then the waiting cat reads a line. */
    private static void release(Path fifo) throws IOException {
        try (OutputStream writer = Files.newOutputStream(fifo)) {   // opens at once: the probe's cat has it open for reading
            Path plain = fifo.resolveSibling("ready.new");
            Files.writeString(plain, "ok\n");
            Files.move(plain, fifo, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            writer.write("ok\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static Map<String, String> kernelSettings() throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : StandaloneKubelet.KERNEL_SETTINGS.keySet()) {
            values.put(key, Files.readString(Path.of("/proc/sys", key.replace('.', '/'))).strip());
        }
        return values;
    }

    private static String shown(Path binary) {
        return binary.toString();
    }
}
