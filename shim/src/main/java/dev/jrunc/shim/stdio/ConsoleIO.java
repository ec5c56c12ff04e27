package dev.jrunc.shim.stdio;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.jrunc.shim.posix.ConsoleSocket;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.Terminal;

/**
 * A container process with a terminal ({@code ctr run -t}, {@code kubectl exec -it}).
 *
 * <p>runc makes the pseudo-terminal and sends us its master side over the console socket while
 * {@code runc create}/{@code runc exec} runs. From then on the master is the process's stdin, stdout and
 * stderr at once: we copy the stdin FIFO into it and everything it prints into the stdout FIFO (a terminal has
 * no separate stderr). ResizePty sets the terminal's size on the master.
 */
final class ConsoleIO implements ProcessIO {
    private static final long MASTER_TIMEOUT_SECONDS = 10;
    private static final long DRAIN_MILLIS = 2000;

    private final String name;
    private final Stdio stdio;
    private final ConsoleSocket socket;
    private final CompletableFuture<Integer> master = new CompletableFuture<>();
    private int masterFd = -1;
    private boolean adopted;
    private int stdinHolder = -1;
    private boolean stdinClosed;
    private boolean closed;
    private volatile Pump output;
    private Pump input;

    private ConsoleIO(String name, Stdio stdio, ConsoleSocket socket) {
        this.name = name;
        this.stdio = stdio;
        this.socket = socket;
    }

    static ConsoleIO open(String name, Stdio stdio) throws IOException {
        ConsoleIO io = new ConsoleIO(name, stdio, ConsoleSocket.create());
        Thread receiver = new Thread(() -> {
            try {
                io.master.complete(io.socket.receiveMaster());
            } catch (IOException | RuntimeException e) {
                io.master.completeExceptionally(e);
            }
        }, "console-" + name);
        receiver.setDaemon(true);
        receiver.start();
        return io;
    }

    @Override
    public String consoleSocket() {
        return socket.path().toString();
    }

    /** With a terminal, runc gets /dev/null on 0, 1 and 2: the process's stdio is the terminal. */
    @Override
    public int childStdin() {
        return -1;
    }

    @Override
    public int childStdout() {
        return -1;
    }

    @Override
    public int childStderr() {
        return -1;
    }

    @Override
    public synchronized void started() throws IOException {
        try {
            masterFd = master.get(MASTER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the terminal from runc", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("runc did not send the terminal over " + socket.path() + ": " + e.getMessage(), e);
        } finally {
            socket.close();
        }
        adopted = true;
        Posix.setBlocking(masterFd, false);
        if (!stdio.stdout().isEmpty()) {
            int destination = ClientReader.openWhenRead(Path.of(fifo(stdio.stdout())));   // see there
            output = Pump.output(name + "-tty-out", masterFd, destination, false, true);
            output.start();
        }
        if (!stdio.stdin().isEmpty()) {
            if (!stdinClosed) {   // after CloseIO, the client's writer is the only one: its close is end of file
                stdinHolder = Posix.open(fifo(stdio.stdin()), Posix.O_RDWR | Posix.O_CLOEXEC, 0);
            }
            int reader = Posix.open(fifo(stdio.stdin()), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            input = Pump.input(name + "-tty-in", reader, masterFd, false);
            input.start();
        }
    }

    @Override
    public synchronized void resize(int width, int height) throws IOException {
        if (masterFd >= 0) {
            Terminal.resize(masterFd, width, height);
        }
    }

    /** What the process wrote to its terminal, read from the master, is in the stdout FIFO. */
    @Override
    public CompletableFuture<Void> drained() {
        Pump copying = output;
        return copying == null ? CompletableFuture.completedFuture(null) : copying.drained();
    }

    /** CloseIO; it may come before {@link #started()} (an exec's stdin ends while runc exec runs): then remembered. */
    @Override
    public synchronized void closeStdin() {
        stdinClosed = true;
        Posix.close(stdinHolder);
        stdinHolder = -1;
    }

    /** Drain the output (bounded), stop the input, and only then close the master both pumps share. Once. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;   // a second close would close the master's number again, by then maybe someone else's fd
            }
            closed = true;
        }
        closeStdin();
        socket.close();
        try {
            if (output != null && !output.awaitDone(DRAIN_MILLIS)) {
                output.cancel();
                output.awaitDone(DRAIN_MILLIS);
            }
            if (input != null) {
                input.cancel();
                input.awaitDone(DRAIN_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (adopted) {
                Posix.close(masterFd);
                masterFd = -1;
            } else {
                master.thenAccept(Posix::close);   // runc failed before we took the terminal: do not leak it
            }
        }
    }

    private static String fifo(String uri) throws IOException {
        String path = uri.startsWith("fifo://") ? uri.substring("fifo://".length()) : uri;
        if (!Path.of(path).isAbsolute()) {
            throw new IOException("jrunc: terminal stdio must be FIFO paths: " + uri);
        }
        return path;
    }
}
