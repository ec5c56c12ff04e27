package dev.jrunc.shim.stdio;

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
 */
final class Pump {
    private static final System.Logger LOG = System.getLogger("jrunc.stdio");
    private static final int BUFFER_SIZE = 32 * 1024;
    private static final int POLL_MILLIS = 250;
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
                int n = buffer.readFrom(from);
                if (n == 0) {
                    break;                         // EOF: every writer has closed its end
                }
                if (n < 0) {
                    continue;                      // EAGAIN: spurious wake-up
                }
                if (TEST_HOLD_MILLIS > 0 && output) {
                    hold();
                }
                if (!writeAll(buffer, n)) {
                    break;
                }
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
            if (closeFrom) {
                Posix.close(from);
            }
            if (closeTo) {
                Posix.close(to);
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
        while (offset < count) {
            int n = buffer.writeTo(to, offset, count - offset);
            if (n > 0) {
                offset += n;
            } else if (cancelled) {
                return false;
            } else {
                Poller.waitWritable(to, POLL_MILLIS);   // the reader is slow: wait, as a blocking write would
            }
        }
        return true;
    }
}
