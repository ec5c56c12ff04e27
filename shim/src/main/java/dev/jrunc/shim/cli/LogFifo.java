package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;

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
    private static final int STDERR = 2;

    /** The fd the log goes to: stderr in the daemon, another one in a test. */
    private final int target;
    /** Bundles containerd still has, oldest first. */
    private final LinkedHashSet<Path> bundles = new LinkedHashSet<>();
    /** The bundle whose FIFO {@link #target} is on; null for where it was before, or /dev/null. */
    private Path current;

    /** Starts writing into {@code bundle}'s FIFO: the one the daemon was started in. */
    LogFifo(Path bundle) {
        this(STDERR, bundle);
    }

    LogFifo(int target, Path bundle) {
        this.target = target;
        created(bundle);
    }

    synchronized void created(Path bundle) {
        Path key = bundle.toAbsolutePath().normalize();
        bundles.remove(key);
        bundles.add(key);
        if (writeTo(key.resolve(FIFO))) {
            current = key;
        }
    }

    synchronized void done(Path bundle) {
        Path key = bundle.toAbsolutePath().normalize();
        bundles.remove(key);
        if (!key.equals(current)) {
            return;
        }
        // Newest first: a FIFO nobody reads any more cannot be opened, and the next older one may still be read.
        List<Path> left = new ArrayList<>(bundles);
        Collections.reverse(left);
        for (Path next : left) {
            if (writeTo(next.resolve(FIFO))) {
                current = next;
                return;
            }
        }
        writeTo(Path.of("/dev/null"));
        current = null;
    }

    /**
     * Non-blocking: if containerd is away or slow, log lines are dropped rather than stalling the shim. A FIFO
     * that cannot be opened (run by hand, or nobody reads it) leaves the fd as it was.
     */
    private boolean writeTo(Path file) {
        try {
            int fd = Posix.open(file.toString(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            Posix.dup2(fd, target);
            Posix.close(fd);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
