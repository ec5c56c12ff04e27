package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;

import dev.jrunc.shim.posix.Posix;

/**
 * The daemon's stderr (fd 2): the {@code log} FIFO of a bundle, which containerd reads the shim's log from.
 *
 * <p>A shim serves several bundles (a pod's containers; all of a namespace's in shared mode), and containerd reads
 * each one's FIFO. We write to the newest one still there. When containerd is done with that bundle (its container
 * deleted, or its Create failed), we move on to the newest one left, or to /dev/null: an fd kept on a removed FIFO
 * would hold it open, one removed FIFO after another, for as long as a shared shim lives (the churn drill found
 * one, moved from each deleted container to the next).
 */
final class LogFifo {
    private static final String FIFO = "log";

    /** Bundles containerd still has, oldest first; the last is the one fd 2 is on. */
    private final LinkedHashSet<Path> bundles = new LinkedHashSet<>();

    /** Starts writing into {@code bundle}'s FIFO: the one the daemon was started in. */
    LogFifo(Path bundle) {
        created(bundle);
    }

    synchronized void created(Path bundle) {
        Path key = bundle.toAbsolutePath().normalize();
        bundles.remove(key);
        bundles.add(key);
        writeTo(key.resolve(FIFO));
    }

    synchronized void done(Path bundle) {
        Path key = bundle.toAbsolutePath().normalize();
        boolean following = key.equals(newest());
        if (bundles.remove(key) && following) {
            Path next = newest();
            if (next == null || !writeTo(next.resolve(FIFO))) {
                writeTo(Path.of("/dev/null"));
            }
        }
    }

    private Path newest() {
        Path last = null;
        for (Path bundle : bundles) {
            last = bundle;
        }
        return last;
    }

    /**
     * Non-blocking: if containerd is away or slow, log lines are dropped rather than stalling the shim. A FIFO
     * that cannot be opened (run by hand, or nobody reads it) leaves fd 2 as it was.
     */
    private static boolean writeTo(Path file) {
        try {
            int fd = Posix.open(file.toString(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            Posix.dup2(fd, 2);
            Posix.close(fd);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
