package dev.jrunc.shim.cgroups;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code /proc/PID/cgroup} says: the cgroup a process is in, per hierarchy. One line per hierarchy,
 * {@code ID:CONTROLLERS:PATH}:
 * <pre>
 * 4:memory:/jrunc-it/c1          a cgroup v1 hierarchy with one controller
 * 2:cpu,cpuacct:/jrunc-it/c1     one hierarchy, two controllers mounted together
 * 9:name=systemd:/jrunc-it/c1    a named hierarchy, no controller
 * 0::/jrunc-it/c1                the cgroup v2 (unified) hierarchy: id 0, no controller list
 * </pre>
 * Paths are relative to the root of the hierarchy as the reader's cgroup namespace sees it.
 *
 * @param v1Paths  controller (or {@code name=…}) → path, for the v1 hierarchies
 * @param unified  the path in the v2 hierarchy, if the process has one (always on a v2 or hybrid host)
 */
record ProcCgroupFile(Map<String, String> v1Paths, Optional<String> unified) {

    static ProcCgroupFile parse(String text) {
        Map<String, String> v1 = new TreeMap<>();
        String unified = null;
        for (String line : text.split("\n")) {
            String[] parts = line.split(":", 3); // the path itself may contain ':'
            if (parts.length < 3) {
                continue;
            }
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                unified = parts[2];
                continue;
            }
            for (String controller : parts[1].split(",")) {
                if (!controller.isEmpty()) {
                    v1.put(controller, parts[2]);
                }
            }
        }
        return new ProcCgroupFile(Map.copyOf(v1), Optional.ofNullable(unified));
    }
}
