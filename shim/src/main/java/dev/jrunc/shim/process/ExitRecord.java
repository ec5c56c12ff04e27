package dev.jrunc.shim.process;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;

import dev.jrunc.shim.reaper.Exit;

/**
 * How a process ended, once the reaper has seen it: its status and time, and a latch that containerd's Wait
 * calls block on until then. Shared by the init and exec'd processes.
 */
final class ExitRecord {
    private final CountDownLatch exited = new CountDownLatch(1);
    private volatile int status;
    private volatile Instant at;

    /** Records the exit; false if one was recorded already (an exit is reported once). */
    synchronized boolean record(Exit exit) {
        if (at != null) {
            return false;
        }
        status = exit.status();
        at = exit.exitedAt();
        return true;
    }

    /** Releases the waiters; called after the process's state has changed to stopped. */
    void release() {
        exited.countDown();
    }

    void await() throws InterruptedException {
        exited.await();
    }

    int status() {
        return status;
    }

    /** Null while the process runs. */
    Instant at() {
        return at;
    }
}
