package lab09_cri;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import kit.Lab;
import kit.Sh;

/**
 * The lab's private containerd with its CRI plugin on ({@code CRI=1 shim/scripts/private-containerd.sh start}):
 * CRI handlers runc and jrunc, the sandbox image {@code localhost/jrunc/pause:1.0}, and the workbook's two images
 * imported into namespace k8s.io (built by shim/scripts/build-images.sh, no registry). Stopping it removes every
 * pod, shim, mount and runc state it made.
 */
final class CriContainerd {
    static final String NAMESPACE = "k8s.io";

    private final Path dir;
    private final Path script;

    private CriContainerd(Path dir, Path script) {
        this.dir = dir;
        this.script = script;
    }

    static CriContainerd start(Lab lab) {
        CriContainerd c = new CriContainerd(lab.work().resolve("containerd"), lab.repo().resolve("shim/scripts/private-containerd.sh"));
        lab.cleanup("stopped the private containerd in " + c.dir + " (its pods, shims and mounts too)", c::stop);
        Sh.Result r = Sh.run(List.of(c.script.toString(), "start", c.dir.toString(), NAMESPACE), Map.of("CRI", "1"), 120);
        if (!r.ok()) {
            throw new Lab.CannotRun("the private containerd (CRI=1) did not start:\n" + r.combined());
        }
        return c;
    }

    Path dir() {
        return dir;
    }

    /** containerd's socket: ctr's, the shims' -address, and the CRI server's (kubelet's --container-runtime-endpoint). */
    String address() {
        return dir.resolve("containerd.sock").toString();
    }

    int pid() throws java.io.IOException {
        return Integer.parseInt(Files.readString(dir.resolve("containerd.pid")).trim());
    }

    /** The CRI part of the config the fixture wrote (the lines a node's /etc/containerd/config.toml has too). */
    List<String> criConfigLines() throws java.io.IOException {
        List<String> lines = Files.readAllLines(dir.resolve("config.toml"));
        int from = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("[plugins.\"io.containerd.grpc.v1.cri\"]")) {
                from = i;
                break;
            }
        }
        return lines.subList(from, lines.size()).stream().filter(l -> !l.strip().startsWith("#") && !l.isBlank()).toList();
    }

    private void stop() throws java.io.IOException {
        Sh.Result r = Sh.run(List.of(script.toString(), "stop", dir.toString()), Map.of(), 120);
        if (!r.ok()) {
            throw new java.io.IOException("private-containerd.sh stop failed:\n" + r.combined());
        }
    }
}
