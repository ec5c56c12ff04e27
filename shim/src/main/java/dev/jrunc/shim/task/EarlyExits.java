package dev.jrunc.shim.task;

import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.jrunc.shim.reaper.Exit;

/**
 * Exits that may belong to a process being started right now, whose pid we do not know yet.
 *
 * <p>{@code runc create} and {@code runc exec} return only after the new process runs; it can exit (and be reaped)
 * before we have read its pid. So, around each such call, a {@link Window} is open and collects every exit of an
 * unknown pid; once the pid is known, {@link #close} hands back that process's exit, if it came early.
 *
 * <p>Outside any window, an unknown pid is an orphan the shim reaped as subreaper (in a container without its own
 * pid namespace, every orphan of the container): its exit is forgotten at once. Keeping such exits "in case" — as
 * this shim once did, up to 1024 of them — is wrong twice: they pile up under an orphan storm, and with pids reused
 * (pid_max is often 32768) a new exec whose pid matches a stale entry was reported exited the moment it started.
 * The Go shim (1.7, {@code preStart}) scopes its early exits the same way.
 */
final class EarlyExits {
    /** Per window: a start lasts well under a second, but a fork bomb in another container must not grow this. */
    private static final int MAX_PER_WINDOW = 4096;

    private final Set<Window> open = ConcurrentHashMap.newKeySet();

    /** The exits seen while one start was in flight, oldest first. */
    static final class Window {
        private final LinkedHashMap<Integer, Exit> seen = new LinkedHashMap<>();

        private synchronized void record(Exit exit) {
            seen.put(exit.pid(), exit);
            if (seen.size() > MAX_PER_WINDOW) {
                seen.remove(seen.keySet().iterator().next());
            }
        }

        private synchronized Optional<Exit> find(int pid) {
            return Optional.ofNullable(seen.get(pid));
        }
    }

    /** Before the runc call that starts a process. */
    Window open() {
        Window window = new Window();
        open.add(window);
        return window;
    }

    /**
     * An exit of a pid no running process of ours has.
     *
     * @return true if a start in flight may claim it; false: an orphan's, forgotten
     */
    boolean offer(Exit exit) {
        for (Window window : open) {
            window.record(exit);
        }
        return !open.isEmpty();
    }

    /**
     * The start is over: the process's pid is known (0 if it never ran). Returns its exit if it came during the
     * window; everything else the window saw is dropped.
     */
    Optional<Exit> close(Window window, int pid) {
        open.remove(window);
        return pid > 0 ? window.find(pid) : Optional.empty();
    }

    /** For tests and figures: starts in flight now. */
    int openWindows() {
        return open.size();
    }
}
