package dev.jrunc.cri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.cri.PodRequests.Pod;
import dev.jrunc.cri.proto.ContainerState;
import dev.jrunc.cri.proto.ContainerStatusRequest;
import dev.jrunc.cri.proto.CreateContainerRequest;
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
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import kit.HostProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VM's registration script, {@code vagrant/provision/register-jrunc.sh}, exercised here: on copies of real
 * configs (Debian's minimal one, a version 1 one, one that declares jrunc by hand; on containerd 2.x also version 3
 * ones, where the script writes a drop-in), and on a running private containerd whose CRI config has no handler
 * jrunc until the script adds it, after which a pod runs with it. The containerd is the line under test; a config
 * dump shows version 2 tables on 1.x and version 3 tables on 2.x (which migrates version 2 files as it reads them).
 */
class JruncRegistrationIT {

    private static final String DEBIAN_CONFIG = """
            version = 2

            [plugins]
              [plugins."io.containerd.grpc.v1.cri"]
                [plugins."io.containerd.grpc.v1.cri".cni]
                  bin_dir = "/usr/lib/cni"
                  conf_dir = "/etc/cni/net.d"
              [plugins."io.containerd.internal.v1.opt"]
                path = "/var/lib/containerd/opt"
            """;
    private static final String V2_CRI = "plugins.\"io.containerd.grpc.v1.cri\"";
    private static final String V3_RUNTIME = "plugins.\"io.containerd.cri.v1.runtime\"";
    /** Where a dump of the line under test shows CRI's runtimes: version 3 tables on 2.x, version 2 before. */
    private static final String RUNTIMES = (Testkit.containerdMajor() >= 2 ? V3_RUNTIME : V2_CRI) + ".containerd.runtimes.";
    private static final String CNI = (Testkit.containerdMajor() >= 2 ? V3_RUNTIME : V2_CRI) + ".cni";
    private static final String CGROUP_ROOT = "jrunc-it-crireg";

    private static Containerd containerd;

    @BeforeAll
    static void startContainerdWithoutJrunc() {
        Testkit.checkPrerequisites();
        containerd = Containerd.start(Testkit.fixtureRoot().resolve("it-crireg"), CriPodLifecycleIT.CRI_NAMESPACE, true,
                Map.of("CRI_JRUNC", "0"));
    }

    @AfterAll
    static void stopContainerd() {
        try {
            if (containerd != null) {
                containerd.stop();
            }
        } finally {
            assertEquals(List.of(), PodCgroups.removeTree(CGROUP_ROOT), "cgroups left");
        }
    }

    static Path script() {
        return Testkit.shimProject().getParent().resolve("vagrant/provision/register-jrunc.sh");
    }

    static CtrResult register(Path config, Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.putIfAbsent("SHIM_SEARCH_PATH", Testkit.shimDir().toString());
        all.putIfAbsent("CONTAINERD", Testkit.containerdTool("containerd"));
        return Testkit.run(Duration.ofSeconds(60), all, "bash", script().toString(), config.toString());
    }

    /** What containerd will read: `containerd --config FILE config dump` (2.x's single quotes made double). */
    static String dump(Path config) {
        return Testkit.run(Duration.ofSeconds(30), Map.of(), Testkit.containerdTool("containerd"), "--config", config.toString(),
                "config", "dump").assertOk().stdout().replace('\'', '"');
    }

    /** The lines of table {@code [header]} in a config dump, indentation removed. */
    static List<String> table(String dump, String header) {
        List<String> lines = dump.lines().map(String::strip).toList();
        int start = lines.indexOf("[" + header + "]");
        if (start < 0) {
            return List.of();
        }
        int end = start + 1;
        while (end < lines.size() && !lines.get(end).startsWith("[")) {
            end++;
        }
        return lines.subList(start + 1, end);
    }

    @Test
    void onDebiansConfigItAddsJruncAndKeepsTheBuiltInRuncAndASecondRunChangesNothing(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("config.toml");
        Files.writeString(config, DEBIAN_CONFIG);
        assertTrue(table(dump(config), RUNTIMES + "runc").contains("runtime_type = \"io.containerd.runc.v2\""),
                "precondition: containerd's built-in runc is in force");

        CtrResult first = register(config, Map.of());

        assertEquals(0, first.exitCode(), first::toString);
        String dump = dump(config);
        assertTrue(table(dump, RUNTIMES + "jrunc").contains("runtime_type = \"io.containerd.jrunc.v2\""), dump);
        assertTrue(table(dump, RUNTIMES + "runc").contains("runtime_type = \"io.containerd.runc.v2\""),
                "declaring jrunc must not make CRI lose runc:\n" + dump);
        assertTrue(table(dump, CNI).stream().anyMatch(l -> l.startsWith("bin_dir") && l.contains("\"/usr/lib/cni\"")),
                "the rest of the CRI settings must stay:\n" + dump);
        assertTrue(Files.readString(config).startsWith(DEBIAN_CONFIG.strip()), "the original text must stay as it was");
        assertEquals(DEBIAN_CONFIG, Files.readString(tmp.resolve("config.toml.before-jrunc")));

        byte[] once = Files.readAllBytes(config);
        CtrResult second = register(config, Map.of());
        assertEquals(0, second.exitCode(), second::toString);
        assertArrayEquals(once, Files.readAllBytes(config), "a second run changed the file");
        assertTrue(second.stderr().contains("nothing to change"), second::toString);
    }

    @Test
    void refusesConfigsItDoesNotUnderstandAndLeavesThemAlone(@TempDir Path tmp) throws Exception {
        Path v1 = tmp.resolve("v1.toml");
        Files.writeString(v1, "[plugins.cri]\n  sandbox_image = \"registry.k8s.io/pause:3.6\"\n");
        Path byHand = tmp.resolve("byhand.toml");
        Files.writeString(byHand, "version = 2\n[" + V2_CRI + ".containerd.runtimes.jrunc]\n  runtime_type = \"io.containerd.runc.v2\"\n");
        Path broken = tmp.resolve("broken.toml");
        Files.writeString(broken, "version = 2\n[plugins\n");

        for (Path p : List.of(v1, byHand, broken)) {
            String before = Files.readString(p);
            CtrResult r = register(p, Map.of());
            assertNotEquals(0, r.exitCode(), r::toString);
            assertEquals(before, Files.readString(p), "changed although refused: " + p);
        }
        assertTrue(register(v1, Map.of()).stderr().contains("version 1 config"));
        assertTrue(register(byHand, Map.of()).stderr().contains("already declares runtime jrunc"));
    }

    @Test
    void warnsWhenTheShimIsNotWhereContainerdLooks(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("config.toml");
        Files.writeString(config, DEBIAN_CONFIG);

        CtrResult r = register(config, Map.of("SHIM_SEARCH_PATH", tmp.toString()));

        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("containerd-shim-jrunc-v2 is not in " + tmp), r::toString);
    }

    /**
     * The VM's whole containerd step up to the restart ({@code configure-containerd.sh} with JRUNC_CONFIG_ONLY=1) on
     * Debian's config, with a stand-in kubeadm that names the pause image: a full CRI config comes out, with the
     * cgroup driver the same for runc and jrunc, kubeadm's sandbox image, Debian's CNI folder, and handler jrunc.
     */
    @Test
    void theVmsContainerdStepTurnsDebiansConfigIntoAFullOneWithJrunc(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("config.toml");
        Path options = tmp.resolve("jrunc-runc-options.toml");
        Files.writeString(config, DEBIAN_CONFIG);
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path kubeadm = bin.resolve("kubeadm");
        Files.writeString(kubeadm, "#!/bin/sh\ncase \"$1\" in version) echo v1.35.0 ;; *) echo registry.k8s.io/kube-apiserver:v0.0.0;"
                + " echo registry.k8s.io/pause:9.9 ;; esac\n");
        kubeadm.toFile().setExecutable(true);
        Path script = script().resolveSibling("configure-containerd.sh");

        CtrResult r = Testkit.run(Duration.ofSeconds(60), Map.of(
                        "PATH", bin + ":" + System.getenv("PATH"),
                        "CONTAINERD", Testkit.containerdTool("containerd"),
                        "JRUNC_CONTAINERD_CONFIG", config.toString(),
                        "JRUNC_RUNC_OPTIONS", options.toString(),
                        "JRUNC_CONFIG_ONLY", "1",
                        "JRUNC_CGROUP_DRIVER", "systemd",
                        "SHIM_SEARCH_PATH", Testkit.shimDir().toString()),
                "bash", script.toString());

        assertEquals(0, r.exitCode(), r::toString);
        String dump = dump(config);
        assertTrue(table(dump, RUNTIMES + "runc.options").contains("SystemdCgroup = true"), dump);
        assertTrue(table(dump, RUNTIMES + "jrunc").contains("runtime_type = \"io.containerd.jrunc.v2\""), dump);
        assertTrue(table(dump, RUNTIMES + "jrunc.options").contains("ConfigPath = \"" + options + "\""), dump);
        assertTrue(Files.readAllLines(options).contains("SystemdCgroup = true"), "jrunc's runc options follow the driver");
        if (Testkit.containerdMajor() >= 2) {
            assertTrue(Files.readString(config).startsWith("version = 3"), "2.x writes its own default, version 3");
            assertTrue(table(dump, "plugins.\"io.containerd.cri.v1.images\".pinned_images")
                    .contains("sandbox = \"registry.k8s.io/pause:9.9\""), dump);
            assertTrue(Files.exists(tmp.resolve("conf.d/jrunc.toml")), "version 3: the handler is a drop-in");
        } else {
            assertTrue(table(dump, V2_CRI).contains("sandbox_image = \"registry.k8s.io/pause:9.9\""), dump);
        }
        assertTrue(table(dump, CNI).stream().anyMatch(l -> l.startsWith("bin_dir") && l.contains("\"/usr/lib/cni\"")), dump);
        assertEquals(DEBIAN_CONFIG, Files.readString(tmp.resolve("config.toml.debian")));
    }

    /**
     * containerd 2.x's own default config (version 3): the handler goes to a drop-in, conf.d/jrunc.toml, which the
     * config then imports; an imports list of the config's own keeps its entries, one that already covers the
     * drop-in stays as it is; a second run changes nothing.
     */
    @Test
    void onAVersion3ConfigTheHandlerIsADropInTheConfigImports(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Testkit.containerdMajor() >= 2,
                "version 3 configs are containerd 2.x's; this line is " + Testkit.containerdVersion());
        String defaults = Testkit.run(Duration.ofSeconds(30), Map.of(), Testkit.containerdTool("containerd"), "config", "default")
                .assertOk().stdout();
        Path other = tmp.resolve("other.toml");
        Files.writeString(other, "version = 3\n[plugins.\"io.containerd.cri.v1.runtime\"]\n  enable_cdi = false\n");
        Map<String, String> configs = Map.of(
                "default", defaults,
                "own-imports", defaults.replaceFirst("(?m)^imports = \\[\\]$", "imports = ['" + other + "']"),
                "glob", defaults.replaceFirst("(?m)^imports = \\[\\]$", "imports = [\"conf.d/*.toml\"]"));
        for (var entry : configs.entrySet()) {
            Path dir = Files.createDirectories(tmp.resolve(entry.getKey()));
            Path config = dir.resolve("config.toml");
            Files.writeString(config, entry.getValue());

            CtrResult first = register(config, Map.of());

            assertEquals(0, first.exitCode(), first::toString);
            String dump = dump(config);
            assertTrue(table(dump, V3_RUNTIME + ".containerd.runtimes.jrunc").contains("runtime_type = \"io.containerd.jrunc.v2\""),
                    entry.getKey() + ":\n" + dump);
            assertTrue(table(dump, V3_RUNTIME + ".containerd.runtimes.runc").contains("runtime_type = \"io.containerd.runc.v2\""),
                    "2.x keeps its built-in runc beside a declared runtime");
            assertTrue(Files.readString(dir.resolve("conf.d/jrunc.toml")).contains("[" + V3_RUNTIME + ".containerd.runtimes.jrunc]"));
            if (entry.getKey().equals("glob")) {
                assertEquals(entry.getValue(), Files.readString(config), "the config already imported conf.d/*.toml");
            } else {
                assertTrue(Files.readString(config).contains("\"" + dir.resolve("conf.d/jrunc.toml") + "\""), "imports the drop-in");
            }
            if (entry.getKey().equals("own-imports")) {
                assertTrue(table(dump, V3_RUNTIME).contains("enable_cdi = false"), "the config's own import still counts");
            }
            byte[] config1 = Files.readAllBytes(config);
            byte[] dropin1 = Files.readAllBytes(dir.resolve("conf.d/jrunc.toml"));
            CtrResult second = register(config, Map.of());
            assertEquals(0, second.exitCode(), second::toString);
            assertTrue(second.stderr().contains("nothing to change"), second::toString);
            assertArrayEquals(config1, Files.readAllBytes(config));
            assertArrayEquals(dropin1, Files.readAllBytes(dir.resolve("conf.d/jrunc.toml")));
        }
    }

    /**
     * The CI run of the VM's provisioning step: a containerd without handler jrunc refuses the pod with the message
     * a kubelet would show; after the script and a restart, the same pod runs under our shim.
     */
    @Test
    void afterRegistrationAndARestartContainerdRunsAPodWithHandlerJrunc() throws Exception {
        Pod pod = new Pod("registered", "default", UUID.randomUUID().toString());
        Path logs = containerd.dir().resolve("pods").resolve(pod.logDirectoryName());
        Files.createDirectories(logs);
        PodSandboxConfig sandboxConfig = PodRequests.hostNetworkSandbox(pod, logs, "/" + CGROUP_ROOT + "/" + pod.uid());
        RunPodSandboxRequest run = RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig).setRuntimeHandler("jrunc").build();
        Path config = containerd.dir().resolve("config.toml");

        try (CriClient cri = CriClient.connect(Path.of(containerd.address()))) {
            CriCallException notRegistered = assertThrows(CriCallException.class, () -> cri.runPodSandbox(run));
            assertTrue(notRegistered.getMessage().contains("no runtime for \"jrunc\" is configured"),
                    notRegistered::getMessage);
        }

        // runc's options for the shim, as the VM writes them (there: SystemdCgroup); here a runc root of our own,
        // to see the path CRI → runtimeoptions.v1 ConfigPath → the shim → `runc --root` end to end.
        Path runcRoot = containerd.dir().resolve("jrunc-runc-root");
        Path options = containerd.dir().resolve("jrunc-options.toml");
        Files.writeString(options, "# runc's options for containerd-shim-jrunc-v2\nRoot = \"" + runcRoot + "\"\n");
        CtrResult r = register(config, Map.of("JRUNC_OPTIONS", options.toString()));
        assertEquals(0, r.exitCode(), r::toString);
        String dump = dump(config);
        assertTrue(table(dump, RUNTIMES + "jrunc").contains("runtime_type = \"io.containerd.jrunc.v2\""), dump);
        assertTrue(table(dump, RUNTIMES + "jrunc.options").contains("ConfigPath = \"" + options + "\""), dump);
        containerd.restart();

        String sandboxId = null;
        String containerId = null;
        try (CriClient cri = CriClient.connect(Path.of(containerd.address()))) {
            try {
                sandboxId = cri.runPodSandbox(run).getPodSandboxId();
                PodSandboxStatusResponse status = cri.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(sandboxId).setVerbose(true).build());
                assertEquals(PodSandboxState.SANDBOX_READY, status.getStatus().getState(), status::toString);
                long shimPid = HostProcesses.ppid(VerboseInfo.pid(status.getInfoMap()).orElseThrow());
                assertEquals("containerd-shim-jrunc-v2", HostProcesses.programName(shimPid));
                assertTrue(Files.isDirectory(runcRoot.resolve(CriPodLifecycleIT.CRI_NAMESPACE).resolve(sandboxId)),
                        "the shim ran runc with the Root from the options file CRI named");

                containerId = cri.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId)
                        .setConfig(PodRequests.container(pod, "app", CriPodLifecycleIT.BUSYBOX_IMAGE,
                                List.of("sleep", "600")))
                        .setSandboxConfig(sandboxConfig).build()).getContainerId();
                cri.startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
                var container = cri.containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(containerId).setVerbose(true).build());
                assertEquals(ContainerState.CONTAINER_RUNNING, container.getStatus().getState(), container::toString);
                assertEquals(shimPid, HostProcesses.ppid(VerboseInfo.pid(container.getInfoMap()).orElseThrow()),
                        "the container runs under the pod's jrunc shim");

                cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(containerId).setTimeout(2).build());
                cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
                containerId = null;
                cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
                cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
                sandboxId = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (HostProcesses.isAlive(shimPid) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertFalse(HostProcesses.isAlive(shimPid), "the shim outlived its pod");
            } finally {
                if (containerId != null) {
                    String id = containerId;
                    quietly(() -> cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build()));
                }
                if (sandboxId != null) {
                    String id = sandboxId;
                    quietly(() -> cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
                    quietly(() -> cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
                }
            }
        }
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            System.out.println("clean-up step failed: " + e);
        }
    }
}
