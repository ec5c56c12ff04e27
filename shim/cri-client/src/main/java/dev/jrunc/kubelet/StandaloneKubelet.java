package dev.jrunc.kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A kubelet without a cluster: no API server, pods from a folder of manifests ("static pods"), containers through
 * one private containerd, everything it writes inside one folder, its API on loopback only.
 *
 * <p>Everything else a kubelet would change on the machine is kept away from it. It starts in a mount namespace of
 * its own ({@link #wrapperScript()}), where six kernel settings that kubelet otherwise sets machine-wide at start
 * (for example {@code kernel.panic_on_oops=1}) read the values it wants from files of ours, and where {@code /var/log}
 * (its {@code /var/log/containers} symlinks) and {@code /var/lib} (its device-plugin socket, whose path
 * {@code /var/lib/kubelet/device-plugins/} no flag changes) are folders of ours. Its cgroups live under
 * {@link #cgroupRoot()}, which must exist in every hierarchy before it starts ({@link CgroupRoot}).
 *
 * @param dir              the folder: config, manifests, kubelet's root dir, pod logs, its log
 * @param containerdSocket the CRI endpoint: the private containerd's socket
 * @param nodeName         the node's name (static pods are named {@code <manifest name>-<node name>})
 * @param port             kubelet's API (HTTPS: /pods, /run, /containerLogs), on 127.0.0.1
 * @param healthzPort      kubelet's /healthz (HTTP), on 127.0.0.1
 * @param cgroupRoot       the cgroup kubelet puts its {@code kubepods} tree under, e.g. {@code /jrunc-lab10}
 */
public record StandaloneKubelet(Path dir, Path containerdSocket, String nodeName, int port, int healthzPort, String cgroupRoot) {

    /**
     * The kernel settings kubelet's container manager makes machine-wide when it starts (or refuses to start without,
     * with protectKernelDefaults), and the values it wants.
     */
    public static final Map<String, String> KERNEL_SETTINGS = orderedMap(
            "vm.overcommit_memory", "1",
            "vm.panic_on_oom", "0",
            "kernel.panic", "10",
            "kernel.panic_on_oops", "1",
            "kernel.keys.root_maxkeys", "1000000",
            "kernel.keys.root_maxbytes", "25000000");

    public Path manifests() {
        return dir.resolve("manifests");
    }

    public Path configFile() {
        return dir.resolve("kubelet.yaml");
    }

    /** kubelet's --root-dir (default /var/lib/kubelet): pod folders, its certificate, checkpoints. */
    public Path rootDir() {
        return dir.resolve("root");
    }

    /** Where containerd writes the containers' logs (default /var/log/pods): {@code <ns>_<pod>_<uid>/<container>/N.log}. */
    public Path podLogs() {
        return dir.resolve("pod-logs");
    }

    /** What kubelet sees as /var/log: it keeps {@code containers/} there, symlinks to the pod logs. */
    public Path varLog() {
        return dir.resolve("var-log");
    }

    /** What kubelet sees as /var/lib: its fixed device-plugin folder, kubelet/device-plugins/, lands here. */
    public Path varLib() {
        return dir.resolve("var-lib");
    }

    /** One file per kernel setting, holding the value kubelet wants; bound over /proc/sys in its namespace. */
    public Path kernelSettings() {
        return dir.resolve("sysctl");
    }

    public Path wrapper() {
        return dir.resolve("kubelet-in-namespace.sh");
    }

    /** kubelet's own log (its stderr). */
    public Path log() {
        return dir.resolve("kubelet.log");
    }

    /** --cert-dir (default /var/lib/kubelet/pki, not under --root-dir): where it keeps its serving certificate. */
    public Path certDir() {
        return rootDir().resolve("pki");
    }

    /** The self-signed certificate kubelet makes at its first start (leaf first, then the CA that signed it). */
    public Path certificate() {
        return certDir().resolve("kubelet.crt");
    }

    /** Writes the folders, the config, the kernel-setting files and the wrapper. */
    public void writeFiles() throws IOException {
        for (Path p : List.of(manifests(), rootDir(), podLogs(), varLog(), varLib(), kernelSettings(), dir.resolve("volume-plugins"))) {
            Files.createDirectories(p);
        }
        Files.writeString(configFile(), config(), StandardCharsets.UTF_8);
        for (Map.Entry<String, String> setting : KERNEL_SETTINGS.entrySet()) {
            Files.writeString(kernelSettings().resolve(setting.getKey()), setting.getValue() + "\n");
        }
        Files.writeString(wrapper(), wrapperScript(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper(), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** KubeletConfiguration (kubelet.config.k8s.io/v1beta1), each setting with the reason it is there. */
    public String config() {
        return String.join("\n",
                "apiVersion: kubelet.config.k8s.io/v1beta1",
                "kind: KubeletConfiguration",
                "# Pods come from this folder: one manifest, one pod; remove the file and kubelet removes the pod.",
                "staticPodPath: " + manifests(),
                "fileCheckFrequency: 1s",
                "# The CRI server: our private containerd, not the machine's.",
                "containerRuntimeEndpoint: unix://" + containerdSocket,
                "# As runc's options in that containerd (SystemdCgroup = false); kubelet's pod cgroups go under cgroupRoot.",
                "cgroupDriver: cgroupfs",
                "cgroupRoot: " + cgroupRoot,
                "# Kubernetes 1.35+ refuses cgroup v1 unless told; a hybrid host (v1 controllers + unified tree) counts as v1.",
                "failCgroupV1: false",
                "failSwapOn: false",
                "# Its API on loopback only. With no API server to check tokens: anonymous requests, all allowed.",
                "address: 127.0.0.1",
                "port: " + port,
                "healthzBindAddress: 127.0.0.1",
                "healthzPort: " + healthzPort,
                "readOnlyPort: 0",
                "authentication:",
                "  anonymous:",
                "    enabled: true",
                "  webhook:",
                "    enabled: false",
                "authorization:",
                "  mode: AlwaysAllow",
                "# Nothing outside our folder: logs, volume plugins, no iptables chains, no oom_score_adj of -999.",
                "podLogsDir: " + podLogs(),
                "volumePluginDir: " + dir.resolve("volume-plugins"),
                "makeIPTablesUtilChains: false",
                "oomScoreAdj: 0",
                "");
    }

    /**
     * Runs its arguments (kubelet and its flags) in a mount namespace of their own, where the kernel settings and
     * /var/log are ours. Slave propagation: kubelet still sees what containerd mounts; what it mounts stays its own.
     */
    public String wrapperScript() {
        return String.join("\n",
                "#!/bin/sh",
                "# Started as: unshare --mount --propagation slave " + wrapper() + " KUBELET ARGS…",
                "# kubelet sets vm.overcommit_memory, vm.panic_on_oom, kernel.panic, kernel.panic_on_oops and two",
                "# kernel.keys limits for the whole machine when it starts; in this namespace it reads the values it",
                "# wants from our files and changes nothing. /var/log and /var/lib are ours too: kubelet keeps",
                "# /var/log/containers/ and /var/lib/kubelet/device-plugins/ there, whatever its flags say.",
                "set -e",
                "for f in " + kernelSettings() + "/*; do",
                "  mount --bind \"$f\" \"/proc/sys/$(basename \"$f\" | tr . /)\"",
                "done",
                "mount --bind " + varLog() + " /var/log",
                "mount --bind " + varLib() + " /var/lib",
                "exec \"$@\"",
                "");
    }

    /** The command that starts it: kubelet with its flags, inside {@link #wrapper()}. */
    public List<String> command(Path kubelet) {
        List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "slave", wrapper().toString()));
        argv.addAll(kubeletArguments(kubelet));
        return argv;
    }

    /** kubelet and its flags (what the config file cannot say: the folders and the node's name). */
    public List<String> kubeletArguments(Path kubelet) {
        return List.of(kubelet.toString(), "--config=" + configFile(), "--root-dir=" + rootDir(),
                "--cert-dir=" + certDir(), "--hostname-override=" + nodeName);
    }

    /** The name kubelet gives the pod of a manifest whose metadata.name is {@code manifestName}. */
    public String staticPodName(String manifestName) {
        return manifestName + "-" + nodeName;
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
