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
 * <p>An output pump also tells when what its process wrote has been handed on ({@link #drained()}): the shim holds a
 * process's exit back until then, because a client may stop reading as soon as it learns of the exit.
 */
final class Pump {
    private static final System.Logger LOG = System.getLogger("jrunc.stdio");
    private static final int BUFFER_SIZE = 32 * 1024;
    private static final int POLL_MILLIS = 250;
    /**
     * How long a full destination may stall the copy before {@link #drained()} stops waiting for it: the client is
     * not reading (a detached container's FIFO), and waiting longer would only delay the exit. The bytes are not
     * dropped; they go on as soon as someone reads. The same 2 s the Go shim gives its copies at Delete.
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
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean cancelled;
    /** Bytes have been read from {@code from} and not all written to {@code to} yet. Guarded by this. */
    private boolean holding;
    /** The pump has ended and closed its fds. Guarded by this. */
    private boolean finished;
    /** Callers of {@link #drained()} still waiting. Guarded by this. */
    private final List<CompletableFuture<Void>> drainWaiters = new ArrayList<>();

    private Pump(String name, int from, int to, boolean closeFrom, boolean closeTo, boolean output) {
        this.name = name;
        this.from = from;
        this.to = to;
        this.closeFrom = closeFrom;
        this.closeTo = closeTo;
        this.output = output;
    }

    /**
     * A process's output on its way to the client: from its pipe (or a terminal's master) into a FIFO or file,
     * which the pump owns and closes when it ends.
     *
     * @param closeFrom false when {@code from} is shared (a terminal's master) and its owner closes it
     */
    static Pump output(String name, int from, int to, boolean closeFrom) {
        return new Pump(name, from, to, closeFrom, true, true);
    }

    /**
     * The client's stdin on its way to the process: from the stdin FIFO, which the pump owns, into the process's
     * pipe (owned too) or a terminal's master ({@code closeTo} false: its owner closes it).
     */
    static Pump input(String name, int from, int to, boolean closeTo) {
        return new Pump(name, from, to, true, closeTo, false);
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
     * Completes once every byte that is in {@code from} now has been written to {@code to} — or the pump has ended,
     * or the destination has been full for {@link #STALL_NANOS} without taking a byte. Already complete when the
     * source is empty and the pump holds nothing. "Empty" is poll(2) finding nothing to read: a source whose writers
     * are all gone reads as end of file, which is not empty, and the pump then ends.
     */
    CompletableFuture<Void> drained() {
        synchronized (this) {
            if (finished || !holding && !hasInput()) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> drained = new CompletableFuture<>();
            drainWaiters.add(drained);
            return drained;
        }
    }

    /** Called with this held, while the pump has not closed {@code from}. */
    private boolean hasInput() {
        try {
            return Poller.waitReadable(from, 0);
        } catch (PosixException e) {
            return false;   // nothing we could wait for
        }
    }

    private synchronized void startHolding() {
        holding = true;
    }

    /** The bytes read are all written: release the waiters if nothing more has come meanwhile. */
    private synchronized void stopHolding() {
        holding = false;
        if (!drainWaiters.isEmpty() && !hasInput()) {
            releaseDrainWaiters();
        }
    }

    private synchronized void releaseDrainWaiters() {
        drainWaiters.forEach(waiter -> waiter.complete(null));
        drainWaiters.clear();
    }

    private void run() {
        try (Poller.Buffer buffer = Poller.buffer(BUFFER_SIZE)) {
            if (closeFrom) {
                Posix.setBlocking(from, false);
            }
            if (closeTo) {
                Posix.setBlocking(to, false);
            }
            while (!cancelled) {
                if (!Poller.waitReadable(from, POLL_MILLIS)) {
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
            }
        } catch (PosixException e) {
            // A terminal's master reads EIO once the container's side is closed: its end of file; EPIPE is a
            // container gone while its stdin was still copied. Anything else cuts a container's output short, and
            // someone reading it will want to know why.
            boolean expected = e.errno() == Posix.EIO || e.errno() == Posix.EPIPE;
            LOG.log(expected ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                    "stdio {0} stopped: {1}", name, e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stdio {0} stopped: {1}", name, e.toString());
        } finally {
            synchronized (this) {   // drained() polls `from` under this lock: never a closed (or reused) fd
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

    private static long testHoldMillis(String variable) {
        String value = System.getenv(variable);
        try {
            return value == null || value.isBlank() ? 0 : Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void hold() {
        try {
            Thread.sleep(TEST_HOLD_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

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
                if (System.nanoTime() - progress > STALL_NANOS) {
                    releaseDrainWaiters();              // nobody reads: let the exit go, keep the bytes coming
                }
            }
        }
        return true;
    }
}
