package dev.jrunc.kubelet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * kubelet's {@code cgroupRoot}: the cgroup its {@code kubepods} tree goes under. With the cgroupfs driver kubelet
 * refuses to start unless it already exists in every hierarchy ("cgroup [...] has some missing paths"), so it is
 * made here, in each mounted hierarchy (v1 controllers and the unified tree alike), and removed after the pods.
 */
public final class CgroupRoot {

    private CgroupRoot() {
    }

    /** Makes {@code /sys/fs/cgroup/<hierarchy>/<root>} in every mounted hierarchy; returns the folders made. */
    public static List<Path> create(String root) throws IOException {
        List<Path> made = new ArrayList<>();
        for (Path hierarchy : hierarchies()) {
            Path p = hierarchy.resolve(relative(root));
            if (!Files.isDirectory(p)) {
                Files.createDirectories(p);
                made.add(p);
            }
        }
        return made;
    }

    /**
     * Removes the root and everything kubelet made below it, deepest first, in every hierarchy (only empty cgroups
     * can go: a cgroup with a process in it stays). Returns what could not be removed.
     */
    public static List<Path> remove(String root) throws IOException {
        List<Path> left = new ArrayList<>();
        for (Path hierarchy : hierarchies()) {
            Path top = hierarchy.resolve(relative(root));
            if (!Files.isDirectory(top)) {
                continue;
            }
            List<Path> dirs;
            try (Stream<Path> walk = Files.walk(top)) {
                dirs = walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
            }
            for (Path d : dirs) {
                try {
                    Files.deleteIfExists(d);
                } catch (IOException busy) {
                    left.add(d);
                }
            }
        }
        return left;
    }

    /** Every existing cgroup folder named {@code root}, in any hierarchy. */
    public static List<Path> present(String root) throws IOException {
        return hierarchies().stream().map(h -> h.resolve(relative(root))).filter(Files::isDirectory).toList();
    }

    /** The mount points of cgroup and cgroup2 filesystems, from /proc/self/mountinfo. */
    static List<Path> hierarchies() throws IOException {
        List<Path> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            if (halves.length == 2 && (halves[1].startsWith("cgroup ") || halves[1].startsWith("cgroup2 "))) {
                found.add(Path.of(halves[0].split(" ")[4]));
            }
        }
        return found;
    }

    private static String relative(String root) {
        String r = root.replaceAll("^/+", "");
        if (r.isEmpty() || r.contains("..")) {
            throw new IllegalArgumentException("not a cgroup below the root: " + root);
        }
        return r;
    }
}
