package dev.jrunc.shim.process;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.stdio.Stdio;

/**
 * A process the shim runs in a container: the container's {@link InitProcess}, or an {@link ExecProcess} added
 * later ({@code ctr task exec}, {@code kubectl exec}). containerd addresses both the same way — by container
 * id and exec id ("" for the init) — so the Task service treats them alike through this interface.
 */
public interface ContainerProcess {

    /** The container id for the init, the exec id for an exec. */
    String id();

    /** 0 until the process runs. */
    int pid();

    Status status();

    Stdio stdio();

    int exitStatus();

    /** When it exited; null while it has not. */
    Instant exitedAt();

    boolean hasExited();

    void start() throws Exception;

    void kill(int signal, boolean all) throws Exception;

    void delete() throws Exception;

    /**
     * The reaper has seen this process exit; {@link #setExited} follows once its output is out. From now on its pid
     * may belong to another process: nothing may be signalled by it any more.
     */
    void reaped();

    /** Completes once the client has everything the process wrote (see {@code ProcessIO.drained}). */
    CompletableFuture<Void> outputDrained();

    /** Records the exit the reaper saw: the state becomes stopped, and Wait returns. */
    void setExited(Exit exit);

    /** Blocks until the process has exited: containerd's Wait call. */
    void awaitExit() throws InterruptedException;

    /** CloseIO: no more input; the process sees end of file on stdin. */
    void closeStdin();

    /** ResizePty. */
    void resize(int width, int height) throws IOException;
}
