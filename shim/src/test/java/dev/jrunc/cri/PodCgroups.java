package dev.jrunc.cri;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cgroups a CRI pod gets under the cgroup parent the test chose: where a container's cgroup files are (to see
 * UpdateContainerResources arrive there), and removing the pod's parent folders afterwards (runc removes each
 * container's own cgroup; the parents are kubelet's job, here the test's).
 */
final class PodCgroups {

    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private PodCgroups() {
    }

    /** True on a pure cgroup v2 machine (one unified hierarchy at /sys/fs/cgroup). */
    static boolean unified() {
        return Files.exists(ROOT.resolve("cgroup.controllers"));
    }

    /**
     * The folder of {@code controller} (v1, e.g. "cpu", "memory") in which process {@code pid} is, or its v2
     * folder on a unified machine.
     */
    static Path dirOf(long pid, String controller) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) {
                    continue;
                }
                String relative = f[2].substring(1);
                if (unified() && f[0].equals("0")) {
                    return ROOT.resolve(relative);
                }
                for (String c : f[1].split(",")) {
                    if (c.equals(controller)) {
                        Path combined = ROOT.resolve(f[1]).resolve(relative);
                        return Files.isDirectory(combined) ? combined : ROOT.resolve(controller).resolve(relative);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("process " + pid + " is gone", e);
        }
        throw new AssertionError("process " + pid + " has no " + controller + " cgroup");
    }

    static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CPU weight runc writes for a v1 cpu.shares value on cgroup v2 (runc's own conversion). */
    static long cpuWeightForShares(long shares) {
        return 1 + ((shares - 2) * 9999) / 262142;
    }

    /**
     * Removes {@code relative} (e.g. {@code jrunc-it-cri/<uid>}) from every hierarchy, deepest folders first. Only
     * empty cgroups can be removed, so a cgroup that still holds a process stays and is reported.
     *
     * @return the folders that could not be removed
     */
    static List<Path> removeTree(String relative) {
        List<Path> left = new ArrayList<>();
        List<Path> tops = new ArrayList<>();
        if (unified()) {
            tops.add(ROOT.resolve(relative));
        } else {
            try (Stream<Path> hierarchies = Files.list(ROOT)) {
                hierarchies.filter(Files::isDirectory).forEach(h -> tops.add(h.resolve(relative)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (Path top : tops) {
            if (!Files.isDirectory(top)) {
                continue;
            }
            try (Stream<Path> tree = Files.walk(top)) {
                tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(dir -> {
                    try {
                        Files.delete(dir);
                    } catch (IOException e) {
                        left.add(dir);
                    }
                });
            } catch (IOException e) {
                left.add(top);
            }
        }
        return left;
    }
}
