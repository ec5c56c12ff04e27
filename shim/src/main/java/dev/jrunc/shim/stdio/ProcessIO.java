package dev.jrunc.shim.stdio;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A container process's stdio, from the shim's side: what runc hands the process, and the copying between that
 * and the client's FIFOs. Two kinds: {@link PipeIO} (a pipe per stream) and {@link ConsoleIO} (a terminal).
 *
 * <p>Use: {@link #open}; pass {@link #childStdin()}… (or {@link #consoleSocket()}) to runc; call
 * {@link #started()} once runc returned; {@link #closeStdin()} for CloseIO; {@link #resize} for ResizePty;
 * {@link #drained()} when the process has exited, before anyone is told; {@link #close()} when it is deleted.
 */
public interface ProcessIO extends AutoCloseable {

    /** A terminal if the process asked for one, else pipes. */
    static ProcessIO open(String name, Stdio stdio, int uid, int gid) throws IOException {
        return stdio.terminal() ? ConsoleIO.open(name, stdio) : PipeIO.open(name, stdio, uid, gid);
    }

    /**
     * The same, and a logging program when stdout is a {@code binary://} URI ({@link BinaryIO}), which is started
     * with {@code loggerId} (the container's or the exec's id) and {@code namespace} in its environment.
     */
    static ProcessIO open(String name, Stdio stdio, int uid, int gid, String loggerId, String namespace) throws IOException {
        if (stdio.stdout().startsWith("binary://")) {
            if (stdio.terminal()) {
                throw new IOException("jrunc: a binary:// log URI with a terminal is not supported: " + stdio.stdout());
            }
            return BinaryIO.open(loggerId, namespace, stdio.stdout());
        }
        return open(name, stdio, uid, gid);
    }

    /** The fds runc gives the process as 0, 1, 2 (-1 = /dev/null). */
    int childStdin();

    int childStdout();

    int childStderr();

    /** The {@code --console-socket} path for runc, or null without a terminal. */
    default String consoleSocket() {
        return null;
    }

    /** runc has created the process: start copying. */
    void started() throws IOException;

    void closeStdin();

    /**
     * Completes once everything the process has written so far has reached the client: read out of its FIFO (or
     * written to the file), or it cannot get there (nobody reads for 2 s, or the copying has ended). The shim tells
     * of a process's exit only then: a client may drop its FIFOs as soon as it knows — containerd 1.6's
     * {@code ctr run --rm} closes them, and its FIFO code throws away a reader whose open has not been noted yet when
     * the client cancels — and whatever is still in a FIFO goes with it. Complete at once when the shim copies
     * nothing (no stdio, a logging binary).
     */
    default CompletableFuture<Void> drained() {
        return CompletableFuture.completedFuture(null);
    }

    /** ResizePty; without a terminal there is nothing to resize (as in the Go shim, not an error). */
    default void resize(int width, int height) throws IOException {
    }

    @Override
    void close();
}
