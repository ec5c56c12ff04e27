package dev.jrunc.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jrunc.cri.CriClient;
import dev.jrunc.cri.PodRequests;
import dev.jrunc.cri.VerboseInfo;
import dev.jrunc.cri.proto.ListContainersRequest;
import dev.jrunc.cri.proto.ListPodSandboxRequest;
import dev.jrunc.cri.proto.PodSandbox;
import dev.jrunc.cri.proto.PodSandboxFilter;
import dev.jrunc.cri.proto.PodSandboxState;
import dev.jrunc.cri.proto.PodSandboxStatusRequest;
import dev.jrunc.kubelet.PodStatusView.ContainerView;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.Testkit;
import kit.HostProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real kubelet as the client, differentially: the same static pods ({@link KubeletPods}: exec probes, a crash loop,
 * an init container and two containers sharing an emptyDir) on a standalone kubelet, once with containerd's default
 * CRI runtime {@code runc} (the Go shim, the control) and once with {@code jrunc} (ours), each on a private containerd
 * of its own. Compared: what kubelet reports (pod phase and Ready, each container's state, readiness, restart count,
 * last exit code and reason), its {@code /run} answers (CRI ExecSync), its {@code /containerLogs}, how many shims serve
 * the pods, and what is left once the manifests are removed: no sandbox, container, task, shim, mount, pod cgroup, pod
 * log folder or pod folder of kubelet's.
 *
 * <p>Deliberate differences, left out of the comparison: the shim's program name (containerd-shim-runc-v2 and
 * containerd-shim-jrunc-v2: what the runtime is), and ids, pids and times (new on every run). The crash loop's restart
 * count is compared as "at least 2": kubelet's back-off makes the count a matter of when one looks.
 *
 * <p>Skipped, saying how to get one, where there is no kubelet ({@link KubeletBinary}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeletDifferentialIT {
    private static final String NODE = "jrunc-it";
    private static final int PORT = 10750;
    private static final int HEALTHZ_PORT = 10748;
    private static final String CGROUP_ROOT = "/jrunc-it-kubelet";
    private static final Duration DEADLINE = Duration.ofMinutes(3);

    private final KubeletBinary.Found found = KubeletBinary.find();
    private final Map<String, Observed> observed = new TreeMap<>();

    /** What one run showed: kubelet's view of the pods, the shims serving them, and what was left afterwards. */
    record Observed(Map<String, String> kubelet, List<String> shimPrograms, List<String> leftAfterwards) {
    }

    /** Per test, not per class: a class-level assumption shows as no test at all in the reports, not as skipped. */
    @BeforeEach
    void needsAKubelet() {
        assumeTrue(found.present(), found::skipped);
    }

    @Test
    @Order(1)
    void goShimUnderKubelet() throws Exception {
        Observed runc = run("runc");
        observed.put("runc", runc);
        // The control: if these fail, the test or the machine is at fault, not our shim.
        assertEquals(List.of("containerd-shim-runc-v2", "containerd-shim-runc-v2", "containerd-shim-runc-v2"), runc.shimPrograms());
        assertExpectedView(runc.kubelet());
        assertEquals(List.of(), runc.leftAfterwards(), "left behind under the Go shim");
    }

    @Test
    @Order(2)
    void jruncUnderKubelet() throws Exception {
        Observed jrunc = run("jrunc");
        observed.put("jrunc", jrunc);
        assertEquals(List.of("containerd-shim-jrunc-v2", "containerd-shim-jrunc-v2", "containerd-shim-jrunc-v2"), jrunc.shimPrograms(),
                "one shim per pod, ours");
        assertEquals(List.of(), jrunc.leftAfterwards(), "left behind under jrunc");
    }

    @Test
    @Order(3)
    void kubeletCannotTellThem() {
        Observed runc = observed.get("runc");
        Observed jrunc = observed.get("jrunc");
        assertNotNull(runc, "the Go shim's run did not complete (see its test)");
        assertNotNull(jrunc, "jrunc's run did not complete (see its test)");
        assertEquals(runc.kubelet(), jrunc.kubelet(), "what kubelet reports, Go shim (expected) vs jrunc (actual)");
        assertEquals(runc.leftAfterwards(), jrunc.leftAfterwards());
    }

    /** What kubelet must report for these pods whatever the shim (checked on the control run). */
    private static void assertExpectedView(Map<String, String> view) {
        String probes = "default/probes-" + NODE;
        String crash = "default/crash-" + NODE;
        String shared = "other/shared-" + NODE;
        assertEquals("Running True", view.get(probes), view::toString);
        assertEquals("ready, 0 restarts, running", view.get(probes + " app"), view::toString);
        assertEquals("200 ready\n", view.get(probes + " app: /run cat /tmp/ready"), view::toString);
        assertTrue(view.get(probes + " app: /run ls /nonexistent").startsWith("500 command 'ls /nonexistent' exited with 1: "), view::toString);
        assertEquals("started\n", view.get(probes + " app: /containerLogs"), view::toString);
        assertEquals("at least 2 restarts, last terminated: Error, exit code 3", view.get(crash + " app"), view::toString);
        assertEquals("crashing\n", view.get(crash + " app: /containerLogs"), view::toString);
        assertEquals("Running True", view.get(shared), view::toString);
        assertEquals("init: terminated Completed, exit code 0", view.get(shared + " init"), view::toString);
        assertEquals("ready, 0 restarts, running", view.get(shared + " first"), view::toString);
        assertEquals("ready, 0 restarts, running", view.get(shared + " second"), view::toString);
        assertEquals("200 from-init\n", view.get(shared + " second: /run cat /data/message"), view::toString);
        assertEquals("from-init\n", view.get(shared + " first: /containerLogs"), view::toString);
        assertEquals("one shim; its children: the pause and 2 containers", view.get(shared + ": on the host"), view::toString);
    }

    // ---- one run: a containerd whose default runtime is HANDLER, a kubelet, the pods, then nothing ---------------

    private Observed run(String handler) throws Exception {
        Path dir = Testkit.fixtureRoot().resolve("it-kubelet-" + handler);
        Map<String, String> kernelBefore = kernelSettings();
        boolean deviceSocketBefore = Files.exists(Path.of("/var/lib/kubelet/device-plugins/kubelet.sock"));
        CgroupRoot.remove(CGROUP_ROOT);   // an earlier, killed run's
        // (An earlier run's kubelet, if its JVM was killed, is stopped by the fixture: it was started on DIR/kubelet/….)
        Containerd containerd = Containerd.start(dir, "k8s.io", true, Map.of("CRI_DEFAULT_RUNTIME", handler));
        for (int port : List.of(PORT, HEALTHZ_PORT)) {
            try (java.net.ServerSocket free = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                // free: kubelet binds it next
            } catch (IOException inUse) {
                containerd.stop();
                throw new AssertionError("127.0.0.1:" + port + " is in use (another kubelet?): kubelet could not serve there", inUse);
            }
        }
        StandaloneKubelet kubelet = new StandaloneKubelet(dir.resolve("kubelet"), Path.of(containerd.address()), NODE, PORT, HEALTHZ_PORT,
                CGROUP_ROOT);
        Process process = null;
        try (CriClient cri = CriClient.connect(Path.of(containerd.address()))) {
            CgroupRoot.create(CGROUP_ROOT);
            kubelet.writeFiles();
            process = new ProcessBuilder(kubelet.command(found.kubelet().get())).redirectErrorStream(true)
                    .redirectOutput(kubelet.log().toFile()).start();
            KubeletApi api = new KubeletApi(kubelet);
            await("kubelet's /healthz", api::healthy, kubelet);
            Files.writeString(kubelet.manifests().resolve("probes.yaml"), KubeletPods.PROBES);
            Files.writeString(kubelet.manifests().resolve("crash.yaml"), KubeletPods.CRASH);
            Files.writeString(kubelet.manifests().resolve("shared.yaml"), KubeletPods.SHARED);

            await("probes Ready, shared Ready, crash restarted twice", () -> {
                List<PodStatusView> pods = podsOrEmpty(api);
                return ready(pods, "default/probes-" + NODE) && ready(pods, "other/shared-" + NODE)
                        && restarts(pods, "default/crash-" + NODE) >= 2;
            }, kubelet);
            Map<String, String> view = kubeletView(api, cri);
            List<String> shims = HostProcesses.shimsOf(containerd.address()).stream().map(HostProcesses::programName).sorted().toList();
            System.out.println("[" + handler + "] kubelet's view: " + view + "\n[" + handler + "] the pods on the host:\n"
                    + HostProcesses.psForest(HostProcesses.shimsOf(containerd.address())));

            for (String manifest : List.of("probes.yaml", "crash.yaml", "shared.yaml")) {
                Files.delete(kubelet.manifests().resolve(manifest));
            }
            await("kubelet to remove every trace of the pods", () -> leftovers(api, cri, containerd, kubelet).isEmpty(), kubelet);
            List<String> left = new ArrayList<>(leftovers(api, cri, containerd, kubelet));
            if (!kernelSettings().equals(kernelBefore)) {
                left.add("kernel settings changed: " + kernelBefore + " → " + kernelSettings());
            }
            if (!deviceSocketBefore && Files.exists(Path.of("/var/lib/kubelet/device-plugins/kubelet.sock"))) {
                left.add("/var/lib/kubelet/device-plugins/kubelet.sock on the host");
            }
            return new Observed(view, shims, left);
        } finally {
            stop(process);
            containerd.stop();
            List<Path> cgroups = CgroupRoot.remove(CGROUP_ROOT);
            assertEquals(List.of(), cgroups, "kubelet's cgroups that could not be removed");
        }
    }

    /** kubelet's report, reduced to what must not depend on the shim, keyed by pod and container. */
    private static Map<String, String> kubeletView(KubeletApi api, CriClient cri) throws IOException {
        Map<String, String> view = new TreeMap<>();
        for (PodStatusView pod : api.pods()) {
            view.put(pod.fullName(), pod.phase() + " " + (pod.name().startsWith("crash-") ? "(crash loop)" : pod.ready()));
            for (ContainerView c : pod.initContainers()) {
                view.put(pod.fullName() + " " + c.name(), "init: " + c.state() + " " + c.reason() + ", exit code " + c.exitCode());
            }
            for (ContainerView c : pod.containers()) {
                view.put(pod.fullName() + " " + c.name(), c.restartCount() == 0
                        ? (c.ready() ? "ready" : "not ready") + ", " + c.restartCount() + " restarts, " + c.state()
                        : "at least 2 restarts, last " + c.lastState() + ": " + c.lastReason() + ", exit code " + c.lastExitCode());
                KubeletApi.Answer logs = api.containerLogs(pod.namespace(), pod.name(), c.name(), false);
                view.put(pod.fullName() + " " + c.name() + ": /containerLogs", logs.body());
            }
        }
        run(view, api, "default", "probes-" + NODE, "app", "cat /tmp/ready");
        run(view, api, "default", "probes-" + NODE, "app", "ls /nonexistent");
        run(view, api, "other", "shared-" + NODE, "second", "cat /data/message");
        view.put("other/shared-" + NODE + ": on the host", onTheHost(cri, "other", "shared-" + NODE));
        return view;
    }

    private static void run(Map<String, String> view, KubeletApi api, String ns, String pod, String container, String command) throws IOException {
        KubeletApi.Answer a = api.run(ns, pod, container, command);
        view.put(ns + "/" + pod + " " + container + ": /run " + command, a.status() + " " + a.body());
    }

    /** The pod's processes: one shim, parent of the pause and of each running container's init. */
    private static String onTheHost(CriClient cri, String namespace, String name) {
        List<PodSandbox> sandboxes = sandboxes(cri, namespace, name);
        if (sandboxes.size() != 1) {
            return sandboxes.size() + " sandboxes";
        }
        String id = sandboxes.get(0).getId();
        long pause = VerboseInfo.pid(cri.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).setVerbose(true).build())
                .getInfoMap()).orElse(0);
        long shim = HostProcesses.ppid(pause);
        List<Long> children = HostProcesses.children(shim);
        long containers = children.stream().filter(p -> p != pause).count();
        return (HostProcesses.programName(shim).startsWith("containerd-shim-") ? "one shim" : "no shim") + "; its children: "
                + (children.contains(pause) ? "the pause" : "no pause") + " and " + containers + " containers";
    }

    private static List<PodSandbox> sandboxes(CriClient cri, String namespace, String name) {
        return cri.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                .putLabelSelector(PodRequests.POD_NAMESPACE_LABEL, namespace).putLabelSelector(PodRequests.POD_NAME_LABEL, name)).build())
                .getItemsList().stream().filter(s -> s.getState() == PodSandboxState.SANDBOX_READY).toList();
    }

    /** Every trace of the pods that must go once their manifests are removed; empty when all are gone. */
    private static List<String> leftovers(KubeletApi api, CriClient cri, Containerd containerd, StandaloneKubelet kubelet) {
        List<String> left = new ArrayList<>();
        try {
            api.pods().forEach(p -> left.add("pod " + p.fullName() + " in kubelet's /pods"));
        } catch (IOException e) {
            left.add("kubelet does not answer: " + e.getMessage());
        }
        cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()
                .forEach(s -> left.add("sandbox of " + s.getMetadata().getNamespace() + "/" + s.getMetadata().getName() + " (" + s.getState() + ")"));
        cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()
                .forEach(c -> left.add("container " + c.getMetadata().getName() + " (" + c.getState() + ")"));
        containerd.ctr("task", "ls", "-q").stdoutLines().stream().filter(l -> !l.isBlank()).forEach(t -> left.add("task " + t));
        HostProcesses.shimsOf(containerd.address()).forEach(p -> left.add("shim " + HostProcesses.programName(p)));
        kit.Leftovers.mountsUnder(containerd.dir()).forEach(m -> left.add("mount " + m.replace(containerd.dir().toString(), "<dir>")));
        left.addAll(entries(kubelet.podLogs(), "pod log folder "));
        left.addAll(entries(kubelet.varLog().resolve("containers"), "/var/log/containers/"));
        left.addAll(entries(kubelet.rootDir().resolve("pods"), "kubelet pod folder "));
        try {
            for (Path hierarchy : CgroupRoot.present(CGROUP_ROOT)) {
                try (Stream<Path> walk = Files.walk(hierarchy)) {
                    walk.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("pod"))
                            .forEach(p -> left.add("pod cgroup " + hierarchy.relativize(p)));
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            left.add("pod cgroups changing (" + e.getMessage() + ")");   // kubelet is removing them right now
        }
        return left;
    }

    private static List<String> entries(Path folder, String what) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> what + p.getFileName()).sorted().toList();
        } catch (IOException e) {
            return List.of(what + "unreadable: " + e.getMessage());
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static boolean ready(List<PodStatusView> pods, String fullName) {
        return pods.stream().anyMatch(p -> p.fullName().equals(fullName) && "True".equals(p.ready()));
    }

    private static long restarts(List<PodStatusView> pods, String fullName) {
        return pods.stream().filter(p -> p.fullName().equals(fullName)).flatMap(p -> p.containers().stream())
                .mapToLong(ContainerView::restartCount).max().orElse(0);
    }

    private static List<PodStatusView> podsOrEmpty(KubeletApi api) {
        try {
            return api.pods();
        } catch (IOException notYet) {
            return List.of();
        }
    }

    /** Waits for a proof; the deadline only bounds a wait that went wrong, and the failure shows kubelet's log. */
    private static void await(String what, BooleanSupplier proof, StandaloneKubelet kubelet) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!proof.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + DEADLINE.toSeconds() + " s in vain for " + what + "; the end of kubelet's log:\n"
                        + tail(kubelet.log(), 40));
            }
            Thread.sleep(100);
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void stop(Process kubelet) throws InterruptedException {
        if (kubelet == null) {
            return;
        }
        kubelet.destroy();   // SIGTERM; kubelet leaves its pods running, containerd's stop removes them
        if (!kubelet.waitFor(30, TimeUnit.SECONDS)) {
            kubelet.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> kernelSettings() throws IOException {
        Map<String, String> values = new TreeMap<>();
        for (String key : StandaloneKubelet.KERNEL_SETTINGS.keySet()) {
            values.put(key, Files.readString(Path.of("/proc/sys", key.replace('.', '/'))).strip());
        }
        return values;
    }
}
