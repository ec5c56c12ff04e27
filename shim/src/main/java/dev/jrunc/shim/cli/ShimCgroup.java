package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The runtime option shim_cgroup: put the shim daemon into a given cgroup (to account or limit shims apart
 * from containerd), as the Go shim does at start.
 */
final class ShimCgroup {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private ShimCgroup() {
    }

    /** cgroup v2: one cgroup.procs; v1: that cgroup in every hierarchy where it exists. */
    static void join(String cgroup, int pid) throws IOException {
        String relative = cgroup.startsWith("/") ? cgroup.substring(1) : cgroup;
        Path unified = ROOT.resolve(relative).resolve("cgroup.procs");
        if (Files.exists(ROOT.resolve("cgroup.controllers")) && Files.exists(unified)) {
            Files.writeString(unified, Integer.toString(pid));
            return;
        }
        boolean joined = false;
        try (Stream<Path> hierarchies = Files.list(ROOT)) {
            for (Path hierarchy : (Iterable<Path>) hierarchies::iterator) {
                Path procs = hierarchy.resolve(relative).resolve("cgroup.procs");
                if (Files.exists(procs)) {
                    Files.writeString(procs, Integer.toString(pid));
                    joined = true;
                }
            }
        }
        if (!joined) {
            throw new IOException("failed to join cgroup " + cgroup + ": it exists in no cgroup hierarchy");
        }
    }
}
