package dev.jrunc.shim.cgroups;

import java.io.IOException;

/**
 * One container's cgroup as the {@link OomWatcher} sees it: a file descriptor that becomes readable when
 * something happened, and what that something was.
 */
interface OomSource {

    String containerId();

    /** The fd the watcher polls; owned by this source. */
    int fd();

    /** Called when {@link #fd()} is readable: consumes what is there and says what it meant. */
    Wakeup onReadable() throws IOException;

    /** Closes the fd; the kernel forgets our registration with it. */
    void close();

    /**
     * @param oomKill     the OOM killer struck (report it)
     * @param cgroupGone  the cgroup is removed or empty: nothing more will come, stop watching
     */
    record Wakeup(boolean oomKill, boolean cgroupGone) {
    }
}
