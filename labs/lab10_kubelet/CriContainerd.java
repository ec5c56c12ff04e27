package lab10_kubelet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import kit.Lab;
import kit.Sh;

/**
 * The lab's containerd with its CRI plugin ({@code CRI=1 shim/scripts/private-containerd.sh start}, the images
 * imported into namespace k8s.io) and handler {@code jrunc} as its default runtime
 * ({@code CRI_DEFAULT_RUNTIME=jrunc}). The containerd binary is the fixture's choice too: the system's, or the one
 * in {@code JRUNC_CONTAINERD_BIN}. Stopping it removes every pod, shim, mount and runc state it made.
 */
final class CriContainerd {
    static final String NAMESPACE = "k8s.io";

    private final Path dir;
    private final Path script;

    private CriContainerd(Path dir, Path script) {
        this.dir = dir;
        this.script = script;
    }

    static CriContainerd start(Lab lab, String defaultRuntime) {
        CriContainerd c = new CriContainerd(lab.work().resolve("containerd"), lab.repo().resolve("shim/scripts/private-containerd.sh"));
        lab.cleanup("stopped the private containerd in " + c.dir + " (its pods, shims and mounts too)", c::stop);
        Sh.Result r = Sh.run(List.of(c.script.toString(), "start", c.dir.toString(), NAMESPACE),
                Map.of("CRI", "1", "CRI_DEFAULT_RUNTIME", defaultRuntime), 120);
        if (!r.ok()) {
            throw new Lab.CannotRun("the private containerd (CRI=1) did not start:\n" + r.combined());
        }
        return c;
    }

    Path dir() {
        return dir;
    }

    /** containerd's socket: ctr's, the shims' -address, and the CRI server's (kubelet's containerRuntimeEndpoint). */
    String address() {
        return dir.resolve("containerd.sock").toString();
    }

    int pid() throws java.io.IOException {
        return Integer.parseInt(Files.readString(dir.resolve("containerd.pid")).trim());
    }

    /** ctr of the same containerd line: JRUNC_CONTAINERD_BIN's if that is set, else the one on PATH. */
    static String ctr() {
        String bin = System.getenv("JRUNC_CONTAINERD_BIN");
        return bin != null && !bin.isEmpty() && Files.isExecutable(Path.of(bin, "ctr")) ? Path.of(bin, "ctr").toString() : "ctr";
    }

    /** The config's lines that decide which runtime a pod gets. */
    List<String> runtimeLines() throws java.io.IOException {
        return Files.readAllLines(dir.resolve("config.toml")).stream()
                .filter(l -> l.contains("default_runtime_name") || l.contains(".runtimes.") || l.contains("runtime_type"))
                .map(String::strip).toList();
    }

    /** containerd's log (the CRI plugin logs each call kubelet makes, at level info). */
    Path log() {
        return dir.resolve("containerd.log");
    }

    private void stop() throws java.io.IOException {
        Sh.Result r = Sh.run(List.of(script.toString(), "stop", dir.toString()), Map.of(), 120);
        if (!r.ok()) {
            throw new java.io.IOException("private-containerd.sh stop failed:\n" + r.combined());
        }
    }
}
