package dev.jrunc.shim.stdio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;

/**
 * The plumbing between one container process and the client's stdio, without a terminal.
 *
 * <p>The container never sees the client's FIFOs. It gets one end of a pipe per stream, and a {@link Pump}
 * copies between the other end and the FIFO: pipe → stdout FIFO, pipe → stderr FIFO, stdin FIFO → pipe. The
 * shim holds the FIFOs open in a way that survives the client going away and coming back (a containerd
 * restart), which a container writing straight into a FIFO would not.
 *
 */
final class PipeIO implements ProcessIO {
    private static final long DRAIN_MILLIS = 2000;

    private final String name;
    private int childStdin = -1;
    private int childStdout = -1;
    private int childStderr = -1;
    private int stdinHolder = -1;
    private Pump stdinPump;
    private final List<Pump> outputPumps = new ArrayList<>();
    private final List<Integer> openedFds = new ArrayList<>();
    private volatile boolean started;

    private PipeIO(String name) {
        this.name = name;
    }

    /**
     * Creates the pipes and opens the client's ends: an output FIFO once the client reads it (up to 10 s, see
     * {@link ClientReader}), then read-write, so that it outlives the client going away.
     *
     * @param uid owner to give the container's pipe ends (runc options io_uid/io_gid), or -1 to leave them
     */
    static PipeIO open(String name, Stdio stdio, int uid, int gid) throws IOException {
        PipeIO io = new PipeIO(name);
        try {
            if (!stdio.stdin().isEmpty()) {
                io.openStdin(stdio.stdin(), uid, gid);
            }
            if (!stdio.stdout().isEmpty()) {
                io.childStdout = io.openOutput("stdout", stdio.stdout(), uid, gid);
            }
            if (!stdio.stderr().isEmpty()) {
                io.childStderr = io.openOutput("stderr", stdio.stderr(), uid, gid);
            }
            return io;
        } catch (IOException | RuntimeException e) {
            io.abort();
            throw e;
        }
    }

    @Override
    public int childStdin() {
        return childStdin;
    }

    @Override
    public int childStdout() {
        return childStdout;
    }

    @Override
    public int childStderr() {
        return childStderr;
    }

    /**
     * runc has started the process, which now holds its own copies of the pipe ends: drop ours (or the pumps
     * would never see end of file) and start copying.
     */
    @Override
    public void started() {
        Posix.closeQuietly(childStdin, childStdout, childStderr);
        childStdin = childStdout = childStderr = -1;
        started = true;
        if (stdinPump != null) {
            stdinPump.start();
        }
        outputPumps.forEach(Pump::start);
    }

    /** Not before the pumps run: until then nothing has been written (runc failed, or a restore has not run yet). */
    @Override
    public CompletableFuture<Void> drained() {
        if (!started) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.allOf(outputPumps.stream().map(Pump::drained).toArray(CompletableFuture[]::new));
    }

    /** CloseIO(stdin): let the container see end of file once the client has closed its writer too. */
    @Override
    public synchronized void closeStdin() {
        if (stdinHolder >= 0) {
            openedFds.remove(Integer.valueOf(stdinHolder));   // closed now: abort() must not close its number again
            Posix.close(stdinHolder);
            stdinHolder = -1;
        }
    }

    /**
     * Stops stdin at once, waits up to 2 s for the output to drain (as the Go shim does), then stops all copying.
     * Before {@link #started()} (runc failed), just closes everything.
     */
    @Override
    public void close() {
        if (!started) {
            abort();
            return;
        }
        closeStdin();
        if (stdinPump != null) {
            stdinPump.cancel();
        }
        long deadline = System.currentTimeMillis() + DRAIN_MILLIS;
        for (Pump pump : outputPumps) {
            try {
                if (!pump.awaitDone(Math.max(0, deadline - System.currentTimeMillis()))) {
                    pump.cancel();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pump.cancel();
            }
        }
    }

    private void openStdin(String uri, int uid, int gid) throws IOException {
        Path fifo = fifoPath(uri, "stdin");
        int[] pipe = Posix.pipe();
        track(pipe[0]);
        track(pipe[1]);
        chown(pipe[0], uid, gid);
        // Hold a writer of our own so the reader does not see end of file when the client's writer closes and
        // reopens (e.g. a containerd restart); CloseIO drops it.
        stdinHolder = track(Posix.open(fifo.toString(), Posix.O_RDWR | Posix.O_CLOEXEC, 0));
        int reader = track(Posix.open(fifo.toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0));
        childStdin = pipe[0];
        stdinPump = Pump.input(name + "-stdin", reader, pipe[1], true);
    }

    private int openOutput(String stream, String uri, int uid, int gid) throws IOException {
        int destination;
        boolean fifo = !uri.startsWith("file://");
        if (!fifo) {
            Path file = Path.of(URI.create(uri).getPath());
            Files.createDirectories(file.getParent());
            destination = Posix.open(file.toString(), Posix.O_WRONLY | Posix.O_APPEND | Posix.O_CREAT | Posix.O_CLOEXEC, 0644);
        } else {
            // Read-write: we are then a reader of our own FIFO, so writes never fail with EPIPE while the client
            // is away; data waits in the FIFO until someone reads it. But first the client's reader must be there.
            destination = ClientReader.openWhenRead(fifoPath(uri, stream));
        }
        track(destination);
        int[] pipe = Posix.pipe();
        track(pipe[0]);
        track(pipe[1]);
        chown(pipe[1], uid, gid);
        outputPumps.add(Pump.output(name + "-" + stream, pipe[0], destination, true, fifo));
        return pipe[1];
    }

    private static Path fifoPath(String uri, String stream) throws IOException {
        if (uri.startsWith("binary://")) {
            throw new IOException("jrunc: a binary:// URI is taken from stdout only (as the Go shim does), not " + stream + ": " + uri);
        }
        String path = uri.startsWith("fifo://") ? uri.substring("fifo://".length()) : uri;
        if (!path.startsWith("/")) {
            throw new IOException("jrunc: " + stream + " must be an absolute FIFO path or file:// URI: " + uri);
        }
        return Path.of(path);
    }

    private static void chown(int fd, int uid, int gid) throws PosixException {
        if (uid >= 0 && gid >= 0 && (uid != 0 || gid != 0)) {
            Posix.fchown(fd, uid, gid);
        }
    }

    private int track(int fd) {
        openedFds.add(fd);
        return fd;
    }

    /** Setup failed half-way: close everything opened so far. */
    private synchronized void abort() {   // with closeStdin: the holder is closed once, never its number reused
        openedFds.forEach(Posix::close);
        openedFds.clear();
        childStdin = childStdout = childStderr = stdinHolder = -1;
    }
}
