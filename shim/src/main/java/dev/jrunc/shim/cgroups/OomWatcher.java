package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.jrunc.shim.posix.Posix;

/**
 * Watches containers' memory cgroups and reports OOM kills, so that the shim can publish /tasks/oom (before the
 * /tasks/exit of the process the kernel killed).
 *
 * <p>One thread for every container: it sleeps in poll(2) on one fd per watched cgroup (an eventfd on cgroup v1,
 * an inotify fd on v2, see {@link V1OomEventFd} and {@link V2MemoryEventsWatch}) plus a wake-up eventfd of its
 * own, which {@link #watch} and {@link #close} signal when the set of fds changes. No timeouts, no busy loop: the
 * thread only runs when the kernel has something to say. It starts with the first watch.
 */
public final class OomWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jrunc.cgroups");
    private static final long JOIN_MILLIS = 5000;

    private final Consumer<String> onOom;
    /** The watched cgroups, by their fd. Added by {@link #watch}, removed by the watcher thread. */
    private final Map<Integer, OomSource> sources = new ConcurrentHashMap<>();
    private int wakeUpFd = -1;
    private Thread thread;
    private volatile boolean closed;

    /** @param onOom called with the container id, on the watcher's own thread, for every OOM kill seen */
    public OomWatcher(Consumer<String> onOom) {
        this.onOom = onOom;
    }

    /** Starts watching; stops by itself when the cgroup goes away. */
    public void watch(String containerId, Cgroup cgroup) throws IOException {
        OomSource source = register(containerId, cgroup);
        if (source == null) {
            return;
        }
        synchronized (this) {
            try {
                if (closed) {
                    throw new IOException("the OOM watcher is closed");
                }
                startIfNeeded();
            } catch (IOException e) {
                source.close();
                throw e;
            }
            sources.put(source.fd(), source);
            // The thread polls the set of fds it had when it went to sleep: wake it to take the new one. (Under the
            // lock: the thread closes wakeUpFd under it too, so we never write to a closed or reused fd.)
            Posix.signalEventfd(wakeUpFd);
        }
    }

    /** Asks the kernel to notify us; null if there is nothing to watch (a v2 cgroup whose processes are gone). */
    private static OomSource register(String containerId, Cgroup cgroup) throws IOException {
        if (cgroup instanceof V1Cgroup v1) {
            Path memory = v1.directory("memory")
                    .orElseThrow(() -> new IOException("no memory cgroup to watch for " + containerId));
            return V1OomEventFd.register(containerId, memory);
        }
        if (cgroup instanceof V2Cgroup v2) {
            V2MemoryEventsWatch watch = V2MemoryEventsWatch.register(containerId, v2.directory());
            if (watch.isEmpty()) { // the container has ended already: no change of the files will ever come
                watch.close();
                return null;
            }
            return watch;
        }
        throw new IOException("cannot watch " + cgroup + " for OOM kills");
    }

    private void startIfNeeded() throws IOException {
        if (thread != null) {
            return;
        }
        wakeUpFd = Posix.eventfd(Posix.EFD_CLOEXEC);
        thread = new Thread(this::run, "oom-watcher");
        thread.setDaemon(true); // never keeps the shim alive
        thread.start();
    }

    private void run() {
        try {
            while (!closed) {
                List<OomSource> watched = List.copyOf(sources.values());
                int[] fds = new int[watched.size() + 1];
                fds[0] = wakeUpFd;
                for (int i = 0; i < watched.size(); i++) {
                    fds[i + 1] = watched.get(i).fd();
                }
                boolean[] ready = Posix.pollReadable(fds, -1);
                if (ready[0]) {
                    Posix.readEventfd(wakeUpFd);
                }
                for (int i = 0; i < watched.size(); i++) {
                    if (ready[i + 1]) {
                        handleIfReadable(watched.get(i));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "OOM watcher stopped: {0}", e.toString());
        } finally {
            synchronized (this) {
                closed = true;
                sources.values().forEach(OomSource::close);
                sources.clear();
                Posix.close(wakeUpFd);
            }
        }
    }

    /**
     * Reports an OOM kill of this container that the kernel has signalled but this watcher's thread has not
     * handled yet. The shim calls it before it publishes the container's exit: the kernel signals the OOM kill
     * before the killed process exits, so /tasks/oom then always comes first, however the two threads race.
     */
    public void flush(String containerId) {
        for (OomSource source : sources.values()) {
            if (source.containerId().equals(containerId)) {
                try {
                    handleIfReadable(source);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "flushing OOM kills of {0}: {1}", containerId, e.getMessage());
                }
            }
        }
    }

    /** One thread at a time per source, and only if there is still something to read (the other may have). */
    private void handleIfReadable(OomSource source) throws IOException {
        synchronized (source) {
            if (sources.containsKey(source.fd()) && Posix.pollReadable(new int[] {source.fd()}, 0)[0]) {
                handle(source);
            }
        }
    }

    private void handle(OomSource source) {
        OomSource.Wakeup wakeup;
        try {
            wakeup = source.onReadable();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "stopped watching {0} for OOM kills: {1}", source.containerId(), e.getMessage());
            wakeup = new OomSource.Wakeup(false, true);
        }
        if (wakeup.oomKill()) {
            try {
                onOom.accept(source.containerId());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "reporting the OOM kill in {0} failed: {1}", source.containerId(), e.toString());
            }
        }
        if (wakeup.cgroupGone()) {
            sources.remove(source.fd(), source);
            source.close();
        }
    }

    /** The number of cgroups being watched (for tests). */
    int watching() {
        return sources.size();
    }

    /** Stops the thread and closes every fd; later {@link #watch} calls fail. */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = thread;
            if (running != null) {
                try {
                    Posix.signalEventfd(wakeUpFd);
                } catch (IOException e) {
                    running.interrupt(); // cannot happen with an open eventfd; the join below will tell
                }
            }
        }
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
