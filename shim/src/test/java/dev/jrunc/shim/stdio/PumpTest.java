package dev.jrunc.shim.stdio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.jrunc.shim.posix.Posix;

/**
 * {@link Pump#drained()}: what the shim waits for before it tells of a process's exit. When it completes, every
 * byte written to the source before the call is readable at the destination.
 */
@Timeout(30)
class PumpTest {
    private final int[] source = pipe();
    private final int[] destination = pipe();

    @AfterEach
    void closeOurEnds() {
        Posix.closeQuietly(source[1], destination[0]);
    }

    @Test
    void drainedOnceEveryByteWrittenBeforeIsAtTheDestination() throws Exception {
        Pump pump = Pump.output("test", source[0], destination[1], true, false);
        pump.start();
        byte[] written = new byte[48 * 1024];   // more than the pump's 32 KiB buffer: two reads at least
        for (int i = 0; i < written.length; i++) {
            written[i] = (byte) i;
        }
        Posix.writeFully(source[1], written, written.length);

        pump.drained().get(20, TimeUnit.SECONDS);

        assertArrayEquals(written, readAvailable(destination[0]), "all of it, before any more is copied");
    }

    @Test
    void drainedAtOnceWhenNothingWaits() throws Exception {
        Pump pump = Pump.output("test", source[0], destination[1], true, false);
        pump.start();
        pump.drained().get(20, TimeUnit.SECONDS);
        assertArrayEquals(new byte[0], readAvailable(destination[0]));
    }

    @Test
    void drainedWhenThePumpEndsAtEndOfFile() throws Exception {
        Pump pump = Pump.output("test", source[0], destination[1], true, false);
        byte[] written = "last words\n".getBytes();
        Posix.writeFully(source[1], written, written.length);
        Posix.close(source[1]);
        source[1] = -1;
        pump.start();

        pump.drained().get(20, TimeUnit.SECONDS);

        assertTrue(pump.awaitDone(20_000), "the pump ends at end of file");
        assertArrayEquals(written, readAvailable(destination[0]));
    }

    /**
     * Into a client's FIFO, "drained" also means read by the client: until it has read, its bytes die with the FIFO
     * if it closes. (Patience for a client that never reads: an hour here, so no clock decides the outcome.)
     */
    @Test
    void intoAClientsFifoDrainedWaitsUntilTheClientHasReadIt() throws Exception {
        Pump pump = Pump.output("test", source[0], destination[1], true, true, TimeUnit.HOURS.toNanos(1));
        pump.start();
        byte[] written = "printed just before the exit\n".getBytes();
        Posix.writeFully(source[1], written, written.length);
        awaitReadable(destination[0]);

        CompletableFuture<Void> drained = pump.drained();
        assertFalse(drained.isDone(), "the client has not read yet");
        byte[] read = readAvailable(destination[0]);

        drained.get(20, TimeUnit.SECONDS);
        assertArrayEquals(written, read);
    }

    /** The client's stdin: copied to the process, whose pipe the pump closes at the client's end of file (CloseIO). */
    @Test
    void inputIsCopiedAndTheProcessSeesEndOfFileAfterTheClients() throws Exception {
        Pump pump = Pump.input("test", source[0], destination[1], true);
        pump.start();
        byte[] written = "typed into ctr\n".getBytes();
        Posix.writeFully(source[1], written, written.length);
        Posix.close(source[1]);
        source[1] = -1;

        assertTrue(pump.awaitDone(20_000), "the pump ends at the client's end of file");
        assertArrayEquals(written, readToEndOfFile(destination[0]), "all of it, then end of file");
    }

    /** Into a terminal's master, which its owner closes: the pump ends without closing it. */
    @Test
    void inputIntoATerminalLeavesTheMasterToItsOwner() throws Exception {
        Pump pump = Pump.input("test", source[0], destination[1], false);
        pump.start();
        Posix.close(source[1]);
        source[1] = -1;

        assertTrue(pump.awaitDone(20_000), "the pump ends at the client's end of file");
        assertFalse(dev.jrunc.shim.posix.Poller.waitReadable(destination[0], 0), "no end of file: the write end is open");
        Posix.close(destination[1]);
    }

    /** Blocking reads until end of file (a pump that never closes its end fails the test by its timeout). */
    private static byte[] readToEndOfFile(int fd) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = Posix.read(fd, buffer, buffer.length)) > 0) {
            all.write(buffer, 0, n);
        }
        return all.toByteArray();
    }

    private static void awaitReadable(int fd) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!dev.jrunc.shim.posix.Poller.waitReadable(fd, 100)) {
            assertTrue(System.nanoTime() < deadline, "the pump copied nothing in 20 s");
        }
    }

    /** What can be read now, without waiting for more. */
    private static byte[] readAvailable(int fd) throws Exception {
        Posix.setBlocking(fd, false);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (true) {
            int n;
            try {
                n = Posix.read(fd, buffer, buffer.length);
            } catch (dev.jrunc.shim.posix.PosixException e) {
                if (e.errno() == Posix.EAGAIN) {
                    return all.toByteArray();
                }
                throw e;
            }
            if (n == 0) {
                return all.toByteArray();
            }
            all.write(buffer, 0, n);
        }
    }

    private static int[] pipe() {
        try {
            return Posix.pipe();
        } catch (dev.jrunc.shim.posix.PosixException e) {
            throw new IllegalStateException(e);
        }
    }
}
