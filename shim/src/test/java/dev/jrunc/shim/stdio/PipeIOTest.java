package dev.jrunc.shim.stdio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.shim.posix.Posix;

/** The container's output through PipeIO into a client's FIFO, with a client that opens its reader late. */
@Timeout(30)
class PipeIOTest {
    @TempDir
    Path dir;

    @Test
    void outputOfAProcessThatIsGoneBeforeTheClientReadsIsNotLost() throws Exception {
        Path fifo = dir.resolve("stdout");
        Posix.mkfifo(fifo.toString(), 0600);
        // the client opens its reader late, as containerd's fifo package does on a goroutine of its own: here once
        // the shim is seen waiting for a reader (a proof, not a span of time)
        Thread shim = Thread.currentThread();
        CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
            try {
                awaitWaitingForAReader(shim);
                try (FileInputStream in = new FileInputStream(fifo.toFile())) {
                    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                    byte[] buffer = new byte[4096];
                    for (int n; (n = in.read(buffer)) > 0; ) {   // (readAllBytes would try to seek a FIFO)
                        all.write(buffer, 0, n);
                    }
                    return all.toString(StandardCharsets.UTF_8);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, task -> new Thread(task, "late-client").start());

        PipeIO io = PipeIO.open("late-reader", new Stdio("", fifo.toString(), "", false), -1, -1);
        byte[] printed = "printed, then exited\n".getBytes(StandardCharsets.UTF_8);
        Posix.writeFully(io.childStdout(), printed, printed.length);   // the container's whole life
        io.started();                                                   // our copy of its end closes: EOF follows
        io.close();                                                     // Delete: drained, FIFO closed

        String received;
        try {
            received = client.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException lost) {
            // the reader waits for a writer that will never come: release it, and see it got nothing
            Posix.close(Posix.open(fifo.toString(), Posix.O_WRONLY | Posix.O_NONBLOCK, 0));
            received = client.get(5, TimeUnit.SECONDS);
        }
        assertEquals("printed, then exited\n", received);
    }

    /** Until {@code shim} pauses between two looks for a reader of the FIFO (ClientReader found none yet). */
    private static void awaitWaitingForAReader(Thread shim) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(shim.getState() == Thread.State.TIMED_WAITING && java.util.Arrays.stream(shim.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(ClientReader.class.getName()) && f.getMethodName().equals("awaitReader")))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("PipeIO.open never waited for a reader of the FIFO within 10 s");
            }
            Thread.sleep(1);
        }
    }

    /**
     * CloseIO may come before runc has started the process (an exec's client is that quick), and runc may then
     * fail: the stdio is torn down with its stdin writer already closed. That number must not be closed a second time
     * — by then it may be another fd of the shim's (here: ours, opened on purpose until we get that very number).
     */
    @Test
    void aStdinClosedBeforeAFailedStartIsNotClosedAgain() throws Exception {
        Path fifo = dir.resolve("stdin");
        Posix.mkfifo(fifo.toString(), 0600);
        PipeIO io = PipeIO.open("closed-early", new Stdio(fifo.toString(), "", "", false), -1, -1);
        java.lang.reflect.Field holderField = PipeIO.class.getDeclaredField("stdinHolder");
        holderField.setAccessible(true);
        int holder = (int) holderField.get(io);

        io.closeStdin();
        java.util.List<Integer> opened = new java.util.ArrayList<>();
        int reused = -1;
        while (reused != holder && opened.size() < 256) {
            int fd = Posix.open("/dev/null", Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
            opened.add(fd);
            reused = fd;
        }
        try {
            assertEquals(holder, reused, "the kernel hands out the lowest free number: the holder's came back");
            io.close();   // runc failed: everything opened for the process is closed

            assertEquals(0, Posix.read(reused, new byte[1], 1), "our fd with the holder's old number is still open");
        } finally {
            opened.forEach(Posix::close);
        }
    }
}
