package dev.jrunc.shim.stdio;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.jrunc.shim.posix.Poller;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;

/**
 * Copies bytes from one fd to another on its own thread until end of file — one direction of a container's
 * stdio, e.g. the container's stdout pipe into the client's stdout FIFO.
 *
 * <p>Both fds are non-blocking and waited on with poll(2), so a pump can be cancelled: a blocked read(2) cannot
 * be interrupted from Java, and a container's background process may hold its stdout open forever. When the
 * pump ends (EOF, error or cancel) it closes the fds it owns: closing the FIFO's write side is how the client
 * learns the output is complete.
 *
 * <p>An output pump into a client's FIFO also tells when the client has what its process wrote ({@link #drained()}):
 * the shim holds a process's exit back until then, because a client may stop reading as soon as it learns of the
 * exit. "Has" means read out of the FIFO — bytes still in the FIFO are lost if the client closes it, which
 * containerd 1.6's client does in two ways: {@code ctr run --rm} closes its FIFOs right after the exit, and
 * any client that cancels a FIFO whose open(2) has returned but whose goroutine has not yet marked it open
 * throws that reader away. The pump can see it: its own fd on the FIFO is read-write, so FIONREAD on it counts the
 * bytes nobody has read yet. For the same reason, at end of file it keeps the FIFO open until the client has read
 * what is in it: the FIFO's last close discards its contents.
 */
final class Pump {
    private static final System.Logger LOG = System.getLogger("jrunc.stdio");
    private static final int BUFFER_SIZE = 32 * 1024;
    private static final int POLL_MILLIS = 250;
    /** While the client has bytes to read, its progress is looked at after 1 ms, then 2, 4, … up to POLL_MILLIS. */
    private static final int FIRST_CHECK_MILLIS = 1;
    /**
     * How long a client may leave bytes unread before the pump stops waiting for it: nobody reads (a detached
     * container's FIFO), and waiting longer would only delay the exit and the Delete. The bytes are not dropped while
     * the pump runs; they go on as soon as someone reads. The 2 s the Go shim gives its copies at Delete.
     */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * Test only, off unless the environment sets it: an output pump holds every chunk it has read this long before
     * writing it on, which makes a process's exit overtake its own output on purpose (DrillOutputsIT). A constant
     * 0 otherwise, so the check below costs nothing.
     */
    static final long TEST_HOLD_MILLIS = testHoldMillis("JRUNC_TEST_HOLD_OUTPUT_MILLIS");

    private final String name;
    private final int from;
    private final int to;
    private final boolean closeFrom;
    private final boolean closeTo;
    /** Copies a process's output (not the client's stdin). */
    private final boolean output;
    /** {@code to} is a FIFO a client reads, opened read-write by us: its unread bytes are the client's to take. */
    private final boolean clientReads;
    private final long stallNanos;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean cancelled;
    /** Bytes have been read from {@code from} and not all written to {@code to} yet. Guarded by this. */
    private boolean holding;
    /** The pump has ended and closed its fds. Guarded by this. */
    private boolean finished;
    /** Callers of {@link #drained()} still waiting. Guarded by this. */
    private final List<CompletableFuture<Void>> drainWaiters = new ArrayList<>();
    /** Bytes in the FIFO at the last look, and when the client (or we) last moved any. Guarded by this. */
    private int lastUnread;
    private long lastProgress = System.nanoTime();

    private Pump(String name, int from, int to, boolean closeFrom, boolean closeTo, boolean output, boolean clientReads,
                 long stallNanos) {
        this.stallNanos = stallNanos;
        this.name = name;
        this.from = from;
        this.to = to;
        this.closeFrom = closeFrom;
        this.closeTo = closeTo;
        this.output = output;
        this.clientReads = clientReads;
    }

    /**
     * A process's output on its way to the client: from its pipe (or a terminal's master) into a FIFO or file,
     * which the pump owns and closes when it ends.
     *
     * @param closeFrom   false when {@code from} is shared (a terminal's master) and its owner closes it
     * @param clientReads {@code to} is the client's FIFO, opened read-write (not a file)
     */
    static Pump output(String name, int from, int to, boolean closeFrom, boolean clientReads) {
        return output(name, from, to, closeFrom, clientReads, STALL_NANOS);
    }

    /** The same with another patience for a client that reads nothing (tests). */
    static Pump output(String name, int from, int to, boolean closeFrom, boolean clientReads, long stallNanos) {
        return new Pump(name, from, to, closeFrom, true, true, clientReads, stallNanos);
    }

    /**
     * The client's stdin on its way to the process: from the stdin FIFO, which the pump owns, into the process's
     * pipe (owned too) or a terminal's master ({@code closeTo} false: its owner closes it).
     */
    static Pump input(String name, int from, int to, boolean closeTo) {
        return new Pump(name, from, to, true, closeTo, false, false, STALL_NANOS);
    }

    void start() {
        Thread thread = new Thread(this::run, "stdio-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stop copying at the next chance; what is still unread is dropped. */
    void cancel() {
        cancelled = true;
    }

    boolean awaitDone(long millis) throws InterruptedException {
        return done.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Completes once every byte that is in {@code from} now has been written to {@code to} and, for a client's FIFO,
     * read from it by the client — or the pump has ended, or the client has taken nothing for {@link #STALL_NANOS}.
     * Already complete when all that holds at the call. "Nothing in {@code from}" is poll(2) finding nothing to read:
     * a source whose writers are all gone reads as end of file, which is not nothing, and the pump then ends.
     */
    CompletableFuture<Void> drained() {
        synchronized (this) {
            if (finished || settled()) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> drained = new CompletableFuture<>();
            drainWaiters.add(drained);
            return drained;
        }
    }

    private void run() {
        try (Poller.Buffer buffer = Poller.buffer(BUFFER_SIZE)) {
            if (closeFrom) {
                Posix.setBlocking(from, false);
            }
            if (closeTo) {
                Posix.setBlocking(to, false);
            }
            int timeout = POLL_MILLIS;
            while (!cancelled) {
                if (!Poller.waitReadable(from, timeout)) {
                    timeout = lookAtTheClient(timeout);
                    continue;
                }
                startHolding();
                int n = buffer.readFrom(from);
                if (n == 0) {
                    break;                         // EOF: every writer has closed its end
                }
                if (n > 0) {
                    if (TEST_HOLD_MILLIS > 0 && output) {
                        hold();
                    }
                    if (!writeAll(buffer, n)) {
                        break;
                    }
                }                                  // else EAGAIN: a spurious wake-up
                stopHolding();
                timeout = clientReads ? FIRST_CHECK_MILLIS : POLL_MILLIS;
            }
            if (clientReads) {
                awaitTheClientsRead();
            }
        } catch (PosixException e) {
            // A terminal's master reads EIO once the container's side is closed: its end of file; EPIPE is a
            // container gone while its stdin was still copied. Anything else cuts a container's output short, and
            // someone reading it will want to know why.
            boolean expected = e.errno() == Posix.EIO || e.errno() == Posix.EPIPE;
            LOG.log(expected ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                    "stdio {0} stopped: {1}", name, e.getMessage());
            if (expected && clientReads) {
                awaitTheClientsRead();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stdio {0} stopped: {1}", name, e.toString());
        } finally {
            synchronized (this) {   // drained() polls `from` and `to` under this lock: never a closed (or reused) fd
                finished = true;
                if (closeFrom) {
                    Posix.close(from);
                }
                if (closeTo) {
                    Posix.close(to);
                }
                releaseDrainWaiters();
            }
            done.countDown();
        }
    }

    // --- what drained() waits for, under this lock ---------------------------------------------------------------

    private synchronized void startHolding() {
        holding = true;
    }

    /** The bytes read are all written: release the waiters if the client has them too. */
    private synchronized void stopHolding() {
        holding = false;
        lastProgress = System.nanoTime();
        if (!drainWaiters.isEmpty() && settled()) {
            releaseDrainWaiters();
        }
    }

    /**
     * The source was quiet for {@code timeout}: see whether the client has read on. Returns the next timeout: short
     * while the FIFO still holds bytes (doubling each time nothing moves), the usual one once it is empty.
     */
    private synchronized int lookAtTheClient(int timeout) {
        if (!drainWaiters.isEmpty() && settled()) {
            releaseDrainWaiters();
        }
        if (!clientReads || unread() == 0) {
            return POLL_MILLIS;
        }
        return Math.min(timeout * 2, POLL_MILLIS);
    }

    /** At end of file: the FIFO stays open until the client has read it (or stalls), as its last close empties it. */
    private void awaitTheClientsRead() {
        long pause = FIRST_CHECK_MILLIS;
        while (!cancelled) {
            synchronized (this) {
                if (unread() == 0 || stalled()) {
                    return;
                }
            }
            sleep(pause);
            pause = Math.min(pause * 2, 50);
        }
    }

    /** Nothing in hand, nothing in the source, and the client has read the FIFO (or will not). Holds this. */
    private boolean settled() {
        return !holding && !hasInput() && (!clientReads || unread() == 0 || stalled());
    }

    /** Holds this, while the pump has not closed {@code from}. */
    private boolean hasInput() {
        try {
            return Poller.waitReadable(from, 0);
        } catch (PosixException e) {
            return false;   // nothing we could wait for
        }
    }

    /** The bytes in the client's FIFO that nobody has read; notes the client's progress. Holds this. */
    private int unread() {
        int unread;
        try {
            unread = Posix.unreadBytes(to);
        } catch (PosixException e) {
            unread = 0;     // not a FIFO after all: nothing to wait for
        }
        if (unread < lastUnread) {
            lastProgress = System.nanoTime();
        }
        lastUnread = unread;
        return unread;
    }

    /** The client has taken nothing (and we have written nothing) for STALL_NANOS. Holds this. */
    private boolean stalled() {
        return System.nanoTime() - lastProgress > stallNanos;
    }

    private synchronized void releaseDrainWaiters() {
        drainWaiters.forEach(waiter -> waiter.complete(null));
        drainWaiters.clear();
    }

    // --- copying ---------------------------------------------------------------------------------------------

    private boolean writeAll(Poller.Buffer buffer, int count) throws PosixException {
        int offset = 0;
        long progress = System.nanoTime();
        while (offset < count) {
            int n = buffer.writeTo(to, offset, count - offset);
            if (n > 0) {
                offset += n;
                progress = System.nanoTime();
            } else if (cancelled) {
                return false;
            } else {
                Poller.waitWritable(to, POLL_MILLIS);   // the reader is slow: wait, as a blocking write would
                if (System.nanoTime() - progress > stallNanos) {
                    releaseDrainWaiters();              // nobody reads: let the exit go, keep the bytes coming
                }
            }
        }
        return true;
    }

    private static long testHoldMillis(String variable) {
        String value = System.getenv(variable);
        try {
            return value == null || value.isBlank() ? 0 : Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void hold() {
        sleep(TEST_HOLD_MILLIS);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
