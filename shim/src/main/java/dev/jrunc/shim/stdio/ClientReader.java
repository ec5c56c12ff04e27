package dev.jrunc.shim.stdio;

import java.nio.file.Path;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;

/**
 * Opens a client's output FIFO for the shim to write into, once the client has opened it for reading.
 *
 * <p>The shim writes a container's output into the FIFO through an fd it opened read-write, which never blocks and
 * keeps the FIFO alive while the client is away (a containerd restart). But a FIFO's data lives only while someone
 * has it open: if the container prints and exits before the client's reader is open, the shim writes, closes — and
 * the data is gone. Clients open their reader lazily: ctr and CRI ask for {@code O_RDONLY|O_NONBLOCK} through
 * containerd's fifo package, which does the real (blocking) open on a goroutine of its own, so nothing promises it
 * happens before a fast container has come and gone. The Go shim cannot lose that output: it opens the FIFO
 * {@code O_WRONLY}, which blocks until a reader exists. So do we, with a bound — a client that never reads must not
 * hold up the container for ever.
 *
 * <p>The probe that finds the reader is itself a writer, and the client's blocked open returns as soon as it
 * appears. Were the probe closed before the read-write fd is open, the client would see no writer left — end of
 * file — and stop reading before the container has printed a thing. So the probe stays open until the read-write fd
 * has taken over.
 */
final class ClientReader {
    private static final System.Logger LOG = System.getLogger("jrunc.stdio");
    /** No such device or address: opening a FIFO for writing, non-blocking, while nobody has it open for reading. */
    private static final int ENXIO = 6;
    private static final long PATIENCE_MILLIS = 10_000;

    private ClientReader() {
    }

    /**
     * Returns a read-write fd on the FIFO, once a reader has it open, or after 10 s (logged; the output then waits
     * in the FIFO for a reader).
     */
    static int openWhenRead(Path fifo) throws PosixException {
        int probe = awaitReader(fifo);
        try {
            return Posix.open(fifo.toString(), Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        } finally {
            if (probe >= 0) {
                Posix.close(probe);
            }
        }
    }

    /** A write-only fd on the FIFO once it has a reader; -1 if none came in time. */
    private static int awaitReader(Path fifo) throws PosixException {
        long deadline = System.nanoTime() + PATIENCE_MILLIS * 1_000_000;
        long pause = 1;
        while (true) {
            try {
                return Posix.open(fifo.toString(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            } catch (PosixException e) {
                if (e.errno() != ENXIO) {
                    throw e;   // not a FIFO problem we can wait out: the caller's own open would fail the same way
                }
            }
            if (System.nanoTime() > deadline) {
                LOG.log(System.Logger.Level.WARNING, "nobody reads {0} after {1} s; its output may be lost", fifo,
                        String.valueOf(PATIENCE_MILLIS / 1000));
                return -1;
            }
            sleep(pause);
            pause = Math.min(pause * 2, 50);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
