package dev.jrunc.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneKubeletTest {
    @TempDir
    Path tmp;

    private StandaloneKubelet kubelet() {
        return new StandaloneKubelet(tmp.resolve("k"), Path.of("/run/x/containerd.sock"), "node-a", 10650, 10648, "/jrunc-x");
    }

    @Test
    void everythingItWritesIsInItsFolderAndItsApiOnLoopback() {
        String config = kubelet().config();
        for (String line : List.of("staticPodPath: " + tmp.resolve("k/manifests"), "containerRuntimeEndpoint: unix:///run/x/containerd.sock",
                "cgroupDriver: cgroupfs", "cgroupRoot: /jrunc-x", "failCgroupV1: false", "address: 127.0.0.1", "healthzBindAddress: 127.0.0.1",
                "port: 10650", "healthzPort: 10648", "readOnlyPort: 0", "podLogsDir: " + tmp.resolve("k/pod-logs"),
                "volumePluginDir: " + tmp.resolve("k/volume-plugins"), "makeIPTablesUtilChains: false")) {
            assertTrue(config.lines().anyMatch(l -> l.equals(line)), () -> "missing \"" + line + "\" in:\n" + config);
        }
        assertEquals(List.of("/usr/bin/kubelet", "--config=" + tmp.resolve("k/kubelet.yaml"), "--root-dir=" + tmp.resolve("k/root"),
                "--cert-dir=" + tmp.resolve("k/root/pki"), "--hostname-override=node-a"), kubelet().kubeletArguments(Path.of("/usr/bin/kubelet")));
    }

    @Test
    void itStartsInAMountNamespaceOfItsOwn() throws Exception {
        StandaloneKubelet k = kubelet();
        k.writeFiles();
        List<String> argv = k.command(Path.of("/usr/bin/kubelet"));
        assertEquals(List.of("unshare", "--mount", "--propagation", "slave", k.wrapper().toString(), "/usr/bin/kubelet"), argv.subList(0, 6));
        assertTrue(Files.isExecutable(k.wrapper()));
        assertEquals("1\n", Files.readString(k.kernelSettings().resolve("kernel.panic_on_oops")));
        String script = Files.readString(k.wrapper());
        assertTrue(script.contains("mount --bind " + k.varLib() + " /var/lib"), script);
        assertTrue(script.contains("mount --bind " + k.varLog() + " /var/log"), script);
        assertTrue(script.endsWith("exec \"$@\"\n"), script);
    }

    @Test
    void staticPodsAreNamedAfterTheNode() {
        assertEquals("web-node-a", kubelet().staticPodName("web"));
    }
}
