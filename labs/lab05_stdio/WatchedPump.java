package lab05_stdio;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import dev.jrunc.shim.posix.Poller;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import jnr.ffi.LibraryLoader;
import kit.Lab;
import kit.Procs;
import kit.Wrap;

/**
 * A copy loop (yours, or the solution's) running on its own thread, as the shim runs each stdio stream, between two
 * fds the lab watches: how many bytes went in and out, whether the loop waits and for what, and whether it keeps a
 * CPU busy. From that, a failure is named by what the loop did, not by what the reader of the FIFO missed.
 */
final class WatchedPump {

    /** write(2) as the kernel offers it (the shim's Posix.writeFully loops; a copy loop must see each call) and FIONREAD. */
    public interface Native {
        long write(int fd, byte[] buffer, long count);

        int ioctl(int fd, long request, int[] count);
    }

    private static final class Binding {
        static final Native C = LibraryLoader.create(Native.class).load("c");
        static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(C);
    }

    private static final long FIONREAD = 0x541B;
    /** The most a write to this lab's FIFO takes at a time: a short write is then certain for any larger buffer. */
    static final int MOST_PER_WRITE = 3000;
    /** How long a loop may run without calling read, write or an await before the lab calls it stuck. */
    private static final long STUCK_MILLIS = 20_000;

    /** One watched fd, handed to the copy loop as a {@link Lab05.Fd}. */
    final class WatchedFd implements Lab05.Fd {
        final int fd;
        private final String name;
        private final boolean capWrites;
        volatile long bytes;
        volatile boolean waiting;
        private boolean lastWasAgain;
        private boolean sawEnd;

        WatchedFd(int fd, String name, boolean capWrites) {
            this.fd = fd;
            this.name = name;
            this.capWrites = capWrites;
        }

        @Override
        public int read(byte[] buffer) throws PosixException {
            enter();
            try {
                if (sawEnd) {
                    throw violation("copy() read the " + name + " again after read() had returned 0. 0 means end of"
                            + " file: every writer has closed its end, and more reads return 0 for ever: return then");
                }
                int n;
                try {
                    n = Posix.read(fd, buffer, buffer.length);
                } catch (PosixException e) {
                    if (e.errno() == Posix.EAGAIN) {
                        if (lastWasAgain) {
                            throw violation("copy() read the " + name + " again at once after read() had failed with EAGAIN"
                                    + " (nothing there yet): a busy loop, one CPU kept busy for as long as the container"
                                    + " is quiet. Wait with awaitReadable() before reading again");
                        }
                        lastWasAgain = true;
                    }
                    throw e;
                }
                lastWasAgain = false;
                sawEnd = n == 0;
                bytes += n;
                return n;
            } finally {
                leave();
            }
        }

        @Override
        public int write(byte[] buffer, int offset, int count) throws PosixException {
            enter();
            try {
                int asked = capWrites ? Math.min(count, MOST_PER_WRITE) : count;
                byte[] part = offset == 0 && asked == buffer.length ? buffer : java.util.Arrays.copyOfRange(buffer, offset, offset + asked);
                long n = Binding.C.write(fd, part, asked);
                if (n < 0) {
                    int errno = Binding.RUNTIME.getLastError();
                    if (errno == Posix.EAGAIN) {
                        if (lastWasAgain) {
                            throw violation("copy() wrote to the " + name + " again after write() had failed with EAGAIN (no"
                                    + " room), without awaitWritable() in between: it either dropped what did not fit, or"
                                    + " asks again and again (a busy loop). Wait with awaitWritable(), then write the rest");
                        }
                        lastWasAgain = true;
                    }
                    throw new PosixException("write", "fd " + fd + " (" + name + ")", errno);
                }
                lastWasAgain = false;
                bytes += n;
                return (int) n;
            } finally {
                leave();
            }
        }

        @Override
        public void awaitReadable() throws PosixException {
            await(true);
        }

        @Override
        public void awaitWritable() throws PosixException {
            await(false);
        }

        private void await(boolean readable) throws PosixException {
            enter();
            waiting = true;
            lastWasAgain = false;
            try {
                while (!(readable ? Poller.waitReadable(fd, 100) : Poller.waitWritable(fd, 100))) {
                    if (stopped) {
                        throw new Stopped();
                    }
                }
            } finally {
                waiting = false;
                leave();
            }
        }

        /** Readable (data, end of file or an error) at this instant. */
        boolean readableNow() {
            try {
                return Poller.waitReadable(fd, 0);
            } catch (PosixException e) {
                return true;
            }
        }

        boolean writableNow() {
            try {
                return Poller.waitWritable(fd, 0);
            } catch (PosixException e) {
                return true;
            }
        }

        /** Bytes waiting in the pipe or FIFO behind this fd. */
        int waitingBytes() {
            int[] count = new int[1];
            return Binding.C.ioctl(fd, FIONREAD, count) == 0 ? count[0] : -1;
        }
    }

    /** Ends the loop's thread when the lab is over: the loop may be waiting in an await that would never return. */
    private static final class Stopped extends Error {
        Stopped() {
            super("the lab stopped this copy loop", null, false, false);
        }
    }

    /** A rule of copying broken; an Error, so that a loop catching Exception does not carry on regardless. */
    private static final class Violation extends Error {
        Violation(String message) {
            super(message, null, false, false);
        }
    }

    final WatchedFd from;
    final WatchedFd to;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile String violation;
    private volatile boolean stopped;
    private volatile int inside;
    private volatile long lastCall = System.nanoTime();

    /**
     * @param capWrites writes to {@code to} take at most {@link #MOST_PER_WRITE} bytes each (the main exercise's FIFO)
     */
    WatchedPump(int from, String fromName, int to, String toName, boolean capWrites) {
        this.from = new WatchedFd(from, fromName, false);
        this.to = new WatchedFd(to, toName, capWrites);
    }

    /** Runs the loop on a thread of its own, as the shim's Pump does. */
    WatchedPump start(String threadName, Lab05.Exercise loop) {
        Thread thread = new Thread(() -> {
            try {
                loop.copy(from, to);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Stops the loop if it still runs (clean-up); returns once it has ended or after a few seconds. */
    void stop() {
        stopped = true;
        try {
            done.handle((v, e) -> null).get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception notInTime) {
            // a loop stuck outside our calls: the fds are closed under it, and its thread is a daemon
        }
    }

    boolean ended() {
        return done.isDone();
    }

    /** The loop returned by itself, after read() gave it end of file. */
    boolean finished() {
        return done.isDone() && !done.isCompletedExceptionally() && from.sawEnd;
    }

    /** Waiting for the container to write: in awaitReadable(), with nothing to read. */
    boolean idleReading() {
        return from.waiting && !from.readableNow();
    }

    /** Waiting for the client to read: in awaitWritable(), and the FIFO has no room. */
    boolean waitingForRoom() {
        return to.waiting && !to.writableNow();
    }

    private void enter() {
        if (stopped) {
            throw new Stopped();
        }
        inside++;
        lastCall = System.nanoTime();
    }

    private void leave() {
        inside--;
        lastCall = System.nanoTime();
    }

    private Violation violation(String what) {
        violation = what;
        return new Violation(what);
    }

    /**
     * Waits until {@code goal} holds; stops the lab with a claim that names what the loop did wrong as soon as
     * something shows that the goal will not come: the loop ended, threw, broke a rule, lost bytes, or is stuck
     * outside every call. A minute without either is the lab's own failure, not the loop's.
     */
    void await(Lab lab, String claim, String expected, BooleanSupplier goal) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!goal.getAsBoolean()) {
            String problem = problem();
            if (problem != null) {
                if (goal.getAsBoolean()) {
                    return;    // it came after all, while we looked
                }
                throw fail(lab, claim, expected, problem);
            }
            if (System.nanoTime() > deadline) {
                throw new Lab.CannotRun("waited 60 s in vain for this: " + claim);
            }
            Procs.sleep(20);
        }
    }

    /** A failed claim whose long sentences are broken to fit a terminal. */
    static Lab.ClaimFailed fail(Lab lab, String claim, String expected, String actual) {
        return lab.fail(claim, Wrap.claim(expected), Wrap.claim(actual));
    }

    /** Runs {@code action} once the loop has ended, however it ended (the shim's Pump closes its fds then). */
    CompletableFuture<Void> whenEnded(Lab.Action action) {
        return done.handle((v, e) -> {
            try {
                action.run();
            } catch (Exception ignored) {
                // closing an fd does not fail in a way that matters here
            }
            return null;
        });
    }

    /** What went wrong, or null while nothing has (yet). Rethrows what the loop threw when the lab has no better name for it. */
    String problem() throws Exception {
        if (violation != null) {
            return violation;
        }
        if (done.isDone()) {
            try {
                done.join();
            } catch (java.util.concurrent.CompletionException e) {
                return thrown(e.getCause());
            }
            if (!from.sawEnd) {
                return String.format("copy() returned after copying %,d bytes, but", from.bytes) + " read() never returned 0: the container"
                        + " still holds its end of the pipe. EAGAIN means \"nothing there yet\", not the end: wait with"
                        + " awaitReadable(), and stop only when read() returns 0 (end of file)";
            }
            return null;   // finished at end of file: whether that was expected is the caller's goal
        }
        long in = from.bytes;
        long out = to.bytes;
        // The counts first, then the state: if the loop woke up meanwhile, the counts changed and this says nothing.
        if (in != out && idleReading() && from.bytes == in && to.bytes == out) {
            return String.format("copy() read %,d bytes from the %s and wrote %,d of them into the ", in, from.name, out)
                    + to.name + ", and now waits for more: write() returns how many bytes it took, which may be fewer than"
                    + " asked (a short write); write the rest of the buffer before reading again";
        }
        if (inside == 0 && System.nanoTime() - lastCall > STUCK_MILLIS * 1_000_000) {
            return "copy() has been running for " + STUCK_MILLIS / 1000 + " s without calling read, write, awaitReadable or"
                    + " awaitWritable: does it sleep, or loop on something else?";
        }
        return null;
    }

    /** A loop that threw: EAGAIN and EPIPE are the lessons of this lab, so they get a sentence; anything else is rethrown. */
    private String thrown(Throwable e) throws Exception {
        if (e instanceof PosixException p && p.errno() == Posix.EAGAIN) {
            boolean onWrite = p.getMessage().startsWith("write");
            return "copy() threw " + p.getMessage() + ". EAGAIN on a non-blocking fd means \"not now\": "
                    + (onWrite ? "the FIFO is full because the client reads slowly; wait with awaitWritable() and write the rest"
                    : "nothing to read yet; wait with awaitReadable() and read again");
        }
        if (e instanceof PosixException p && p.errno() == Posix.EPIPE) {
            return "copy() threw " + p.getMessage() + ": nobody had the FIFO open for reading, so the kernel refused the"
                    + " write. The shim must be a reader of its own FIFO (see openFifo())";
        }
        if (e instanceof Stopped) {
            return "the lab stopped the copy loop";
        }
        if (e instanceof Exception checked) {
            throw checked;    // the lab reports it as your code's exception, with the line it came from
        }
        if (e instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException(e);
    }

    /** How this process opened fd {@code fd}: O_RDONLY (0), O_WRONLY (1) or O_RDWR (2); -1 if it is not open. */
    static int accessMode(int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("flags:")) {
                    return Integer.parseInt(line.substring(6).trim(), 8) & 3;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** The fds of this process on {@code fifo} that can write to it, as "fd N (read-write)". */
    static java.util.List<String> writersOf(Path fifo) {
        java.util.List<String> writers = new java.util.ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String link;
                try {
                    link = Files.readSymbolicLink(fd).toString();
                } catch (java.io.IOException gone) {
                    continue;
                }
                int n = Integer.parseInt(fd.getFileName().toString());
                int mode = accessMode(n);
                if (link.equals(fifo.toString()) && (mode == 1 || mode == 2)) {
                    writers.add("fd " + n + (mode == 2 ? ", read-write" : ", write-only"));
                }
            }
        } catch (java.io.IOException e) {
            throw new Lab.CannotRun("cannot list /proc/self/fd: " + e.getMessage());
        }
        return writers;
    }
}
