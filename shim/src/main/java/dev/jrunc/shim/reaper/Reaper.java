package dev.jrunc.shim.reaper;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;

/**
 * The one place in the shim that waits for child processes.
 *
 * <p>A shim is a child subreaper: container processes whose parent (runc) exits become its children, and when
 * they die they stay zombies until it waits for them. One thread does all the waiting with {@code waitpid(-1)}.
 * That thread must own <em>every</em> wait: if anyone else (for example the JDK's ProcessBuilder reaper) also
 * waited, each would steal the other's exit statuses. So every child the shim starts goes through
 * {@link #spawn}, and every other exit (a container's init, an orphan) goes to the subscribers.
 */
public final class Reaper {
    private static final System.Logger LOG = System.getLogger("jrunc.reaper");

    /** Called on the reaper thread for each exit that is not one of our spawned children: must not block. */
    public interface Subscriber {
        void exited(Exit exit);
    }

    private final Object lock = new Object();
    private final Map<Integer, CompletableFuture<Exit>> spawned = new HashMap<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private long spawnCount;
    private static Reaper running;

    private Reaper() {
    }

    /**
     * Starts this process's reaper, or returns it if it runs already: a second {@code waitpid(-1)} loop would
     * take exits from the first.
     */
    public static synchronized Reaper start() {
        if (running == null) {
            running = new Reaper();
            Thread thread = new Thread(running::reapForever, "reaper");
            thread.setDaemon(true);
            thread.start();
        }
        return running;
    }

    public void subscribe(Subscriber subscriber) {
        subscribers.add(subscriber);
    }

    /**
     * Starts a child and registers it before the reaper can see it exit: the lock is held across the spawn, and
     * the reaper takes the same lock to look a pid up, so even a child that exits at once is matched.
     */
    public Child spawn(Spawn spawn) throws PosixException {
        synchronized (lock) {
            int pid = spawn.start();
            CompletableFuture<Exit> exit = new CompletableFuture<>();
            spawned.put(pid, exit);
            spawnCount++;
            lock.notifyAll();
            return new Child(pid, exit);
        }
    }

    private void reapForever() {
        int[] status = new int[1];
        while (true) {
            long seenSpawns;
            synchronized (lock) {
                seenSpawns = spawnCount;
            }
            int pid;
            try {
                pid = Posix.waitpid(-1, status, 0);
            } catch (PosixException e) {
                if (e.errno() == Posix.ECHILD) {
                    waitForChildren(seenSpawns);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "waitpid failed: {0}", e.getMessage());
                    sleepQuietly(100);
                }
                continue;
            }
            Exit exit = new Exit(pid, Exit.statusOf(status[0]), java.time.Instant.now());
            CompletableFuture<Exit> waiter;
            synchronized (lock) {
                waiter = spawned.remove(pid);
            }
            if (waiter != null) {
                waiter.complete(exit);
            } else {
                for (Subscriber subscriber : subscribers) {
                    try {
                        subscriber.exited(exit);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "exit subscriber failed", e);
                    }
                }
            }
        }
    }

    /**
     * No children right now. Sleep until we spawn one; wake up now and then anyway, since a descendant can also
     * become our child by being orphaned.
     */
    private void waitForChildren(long seenSpawns) {
        synchronized (lock) {
            if (spawnCount == seenSpawns) {
                try {
                    lock.wait(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A process we started; {@link #await()} returns once the reaper has seen it exit. */
    public record Child(int pid, CompletableFuture<Exit> exit) {
        public Exit await() {
            return exit.join();
        }
    }
}
