package dev.jrunc.shim.cgroups;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The mounts of {@code /proc/self/mountinfo}, to find where each cgroup hierarchy is mounted instead of
 * assuming {@code /sys/fs/cgroup/<controller>}: cpu and cpuacct are often mounted together (as
 * {@code cpu,cpuacct}), a hierarchy may be mounted elsewhere, or only a subtree of it (inside a container).
 *
 * <p>A line, for example:
 * <pre>
 * 34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory
 * ^id ^parent ^dev ^root ^mount point ^mount options ^optional fields, ended by "-", then type, source, super options
 * </pre>
 */
record MountInfo(List<Mount> mounts) {

    /**
     * One mount.
     *
     * @param root         the directory of the file system that is mounted there ("/" unless a subtree is bound)
     * @param mountPoint   where it is mounted
     * @param type         the file system type: "cgroup" for a v1 hierarchy, "cgroup2" for the unified one
     * @param superOptions the file system's own options; for a v1 hierarchy they name its controllers
     */
    record Mount(String root, Path mountPoint, String type, List<String> superOptions) {

        /**
         * The directory of cgroup {@code cgroupPath} (as /proc/PID/cgroup gives it) under this mount. When only a
         * subtree is mounted (root "/docker/abc"), the cgroup path starts with that root, which is cut off.
         */
        Path directoryOf(String cgroupPath) {
            String relative = cgroupPath;
            if (!root.equals("/")) {
                if (cgroupPath.equals(root)) {
                    relative = "/";
                } else if (cgroupPath.startsWith(root + "/")) {
                    relative = cgroupPath.substring(root.length());
                }
            }
            Path dir = mountPoint;
            for (String part : relative.split("/")) {
                if (!part.isEmpty()) {
                    dir = dir.resolve(part);
                }
            }
            return dir;
        }
    }

    static MountInfo parse(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            List<String> fields = Arrays.asList(line.split(" "));
            int separator = fields.indexOf("-");
            if (separator < 6 || fields.size() < separator + 4) {
                continue; // not a mount line
            }
            mounts.add(new Mount(unescape(fields.get(3)), Path.of(unescape(fields.get(4))), fields.get(separator + 1),
                    List.of(fields.get(separator + 3).split(","))));
        }
        return new MountInfo(List.copyOf(mounts));
    }

    /** The first cgroup v1 hierarchy that carries {@code controller} (e.g. "memory", or "name=systemd"). */
    Optional<Mount> v1Hierarchy(String controller) {
        return mounts.stream()
                .filter(m -> m.type().equals("cgroup") && m.superOptions().contains(controller))
                .findFirst();
    }

    /** The cgroup v2 hierarchy mounted at {@code preferred} if it is one, else the first one mounted anywhere. */
    Optional<Mount> unifiedHierarchy(Path preferred) {
        List<Mount> unified = mounts.stream().filter(m -> m.type().equals("cgroup2")).toList();
        return unified.stream().filter(m -> m.mountPoint().equals(preferred)).findFirst()
                .or(() -> unified.stream().findFirst());
    }

    /** The kernel writes space, tab, newline and backslash in paths as \040, \011, \012, \134. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
