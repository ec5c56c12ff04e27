package dev.jrunc.shim.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.proto.types.Mount;

/**
 * Mounts a container's root filesystem onto {@code <bundle>/rootfs} and takes it down again.
 *
 * <p>containerd prepares the layers (e.g. an overlay of the image's snapshots) but leaves the mount(2) call to
 * the shim, because the mount must live as long as the container, which may outlive containerd.
 */
public final class Mounts {
    private static final int MNT_DETACH = 2;

    private Mounts() {
    }

    /** Mounts each in order onto {@code target}; on failure undoes what it mounted. */
    public static void mountAll(List<Mount> mounts, Path target) throws IOException {
        try {
            for (Mount mount : mounts) {
                mount(mount, target);
            }
        } catch (IOException | RuntimeException e) {
            unmountAll(target);
            throw e;
        }
    }

    private static void mount(Mount mount, Path target) throws IOException {
        MountOptions options;
        try {
            options = MountOptions.parse(mount.getOptionsList());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        String where = target.toString();
        long flags = options.flags();
        Posix.mount(mount.getSource(), where, mount.getType(), flags, options.data());
        // A bind mount ignores MS_RDONLY on the first call; read-only takes a remount.
        if (options.isBind() && (flags & MountOptions.MS_RDONLY) != 0) {
            Posix.mount("", where, "", flags | MountOptions.MS_REMOUNT, "");
        }
        if (options.propagation() != 0) {
            Posix.mount("", where, "", options.propagation(), "");
        }
    }

    /** Unmounts everything stacked on {@code target} (lazily, so a busy mount does not stop us). */
    public static void unmountAll(Path target) throws IOException {
        while (Posix.umount(target.toString(), MNT_DETACH)) {
            // one layer less; go again until nothing is mounted there
        }
    }
}
