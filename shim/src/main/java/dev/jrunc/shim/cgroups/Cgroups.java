package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import dev.jrunc.shim.posix.Posix;

/**
 * Finds a process's cgroup, v1 or v2, the way containerd's runc shim does.
 *
 * <p>Which kind: containerd looks at the file system mounted on /sys/fs/cgroup. If it is cgroup2 the host is in
 * unified mode and everything is v2. Otherwise (a tmpfs with one cgroup v1 mount per hierarchy under it) the
 * host is legacy or hybrid, and the figures come from the v1 hierarchies even if a cgroup2 is mounted at
 * /sys/fs/cgroup/unified: on a hybrid host that one holds no controllers containerd reads.
 */
public final class Cgroups {
    private static final System.Logger LOG = System.getLogger("jrunc.cgroups");
    /** Fixed in containerd and runc, like the cgroup2 magic number statfs(2) reports for it. */
    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    static final long CGROUP2_SUPER_MAGIC = 0x63677270L;

    private Cgroups() {
    }

    /** The cgroup a process is in (v1 or v2, from /proc/PID/cgroup); empty if the process is gone. */
    public static Optional<Cgroup> ofProcess(int pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            Optional<String> membership = CgroupFiles.read(Path.of("/proc", Integer.toString(pid), "cgroup"));
            if (membership.isEmpty()) {
                return Optional.empty(); // no such process
            }
            // Our own mount table, not the process's: the shim reads the cgroup files, in its own mount namespace.
            MountInfo mounts = MountInfo.parse(CgroupFiles.read(Path.of("/proc/self/mountinfo")).orElse(""));
            ProcCgroupFile cgroups = ProcCgroupFile.parse(membership.get());
            return UnifiedMode.IS_ON
                    ? V2Cgroup.of(cgroups, mounts, CGROUP_ROOT)
                    : V1Cgroup.of(cgroups, mounts);
        } catch (IOException e) {
            // e.g. ESRCH reading the file of a process that just died
            LOG.log(System.Logger.Level.DEBUG, "no cgroup for pid {0}: {1}", pid, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Decided once per shim (on first use: a holder class), like containerd's cgroups.Mode(): a host does not
     * switch modes while it runs.
     */
    private static final class UnifiedMode {
        static final boolean IS_ON = detect();

        private static boolean detect() {
            try {
                return Posix.filesystemType(CGROUP_ROOT.toString()) == CGROUP2_SUPER_MAGIC;
            } catch (IOException e) {
                return false; // no /sys/fs/cgroup at all: the v1 lookup will find nothing either
            }
        }
    }
}
