package dev.jrunc.shim.process;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;

import dev.jrunc.shim.bundle.Bundle;
import dev.jrunc.shim.mount.Mounts;
import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.runc.RuncException;
import dev.jrunc.shim.stdio.ProcessIO;
import dev.jrunc.shim.stdio.Stdio;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * A container's first process — the one runc creates, whose exit ends the container. Its behaviour per state
 * lives in the {@link InitState} classes; this class holds its data and the runc calls the states use.
 */
public final class InitProcess {
    private final String id;
    private final Bundle bundle;
    private final Runc runc;
    private final Stdio stdio;
    private final ProcessIO io;
    private final int pid;
    private final CountDownLatch exitedLatch = new CountDownLatch(1);
    private InitState state = new CreatedState();
    private int exitStatus;
    private Instant exitedAt;

    private InitProcess(String id, Bundle bundle, Runc runc, Stdio stdio, ProcessIO io, int pid) {
        this.id = id;
        this.bundle = bundle;
        this.runc = runc;
        this.stdio = stdio;
        this.io = io;
        this.pid = pid;
    }

    /**
     * {@code runc create}: afterwards the init exists (its pid is in {@code init.pid}), holds the container's
     * stdio, and waits for {@code runc start}. runc itself has exited, so the init is now our child — we are
     * its subreaper.
     */
    public static InitProcess create(String id, Bundle bundle, Runc runc, Stdio stdio, Runc.CreateOptions options,
                                     int ioUid, int ioGid) throws IOException, TtrpcException {
        if (stdio.terminal()) {
            throw new TtrpcException(Code.UNIMPLEMENTED, "jrunc: terminal (tty) containers are not supported yet");
        }
        ProcessIO io = ProcessIO.open(id, stdio, ioUid, ioGid);
        try {
            runc.create(id, options, io.childStdin(), io.childStdout(), io.childStderr());
        } catch (RuncException e) {
            io.close();
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime create failed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            io.close();
            throw e;
        }
        io.started();
        return new InitProcess(id, bundle, runc, stdio, io, bundle.readInitPid());
    }

    public String id() {
        return id;
    }

    public int pid() {
        return pid;
    }

    public Stdio stdio() {
        return stdio;
    }

    public synchronized Status status() {
        return state.status();
    }

    public synchronized int exitStatus() {
        return exitStatus;
    }

    /** When the init exited; null while it has not. */
    public synchronized Instant exitedAt() {
        return exitedAt;
    }

    public synchronized void start() throws Exception {
        state.start(this);
    }

    public synchronized void kill(int signal, boolean all) throws Exception {
        state.kill(this, signal, all);
    }

    public synchronized void delete() throws Exception {
        state.delete(this);
    }

    /** The reaper saw our pid exit. */
    public synchronized void setExited(Exit exit) {
        if (exitedAt != null) {
            return;
        }
        exitStatus = exit.status();
        exitedAt = exit.exitedAt();
        state.exited(this);
        exitedLatch.countDown();
    }

    /** Blocks until the init has exited (a Wait call can block here for the container's whole life). */
    public void awaitExit() throws InterruptedException {
        exitedLatch.await();
    }

    /** CloseIO: the client has no more input; the container sees end of file on stdin. */
    public void closeStdin() {
        io.closeStdin();
    }

    public synchronized boolean hasExited() {
        return exitedAt != null;
    }

    // --- what the states do ------------------------------------------------------------------------------------

    void transition(InitState next) {
        state = next;
    }

    void runcStart() throws IOException, TtrpcException {
        try {
            runc.start(id);
        } catch (RuncException e) {
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime start failed: " + e.getMessage());
        }
    }

    void runcKill(int signal, boolean all) throws IOException, TtrpcException {
        try {
            runc.kill(id, signal, all);
        } catch (RuncException e) {
            throw killError(e.getMessage());
        }
    }

    /**
     * runc's words for "nothing to signal" become NotFound, which containerd (and CRI's StopContainer) read as
     * "already stopped"; anything else stays an unknown error.
     */
    static TtrpcException killError(String message) {
        String lower = message.toLowerCase();
        if (lower.contains("process already finished") || lower.contains("container not running")
                || lower.contains("no such process")) {
            return new TtrpcException(Code.NOT_FOUND, "process already finished: not found");
        }
        if (lower.contains("does not exist")) {
            return new TtrpcException(Code.NOT_FOUND, "no such container: not found");
        }
        return new TtrpcException(Code.UNKNOWN, "unknown error after kill: " + message);
    }

    /** Drain output (bounded), {@code runc delete}, unmount the rootfs, close the stdio. */
    void runcDelete() throws IOException, TtrpcException {
        io.close();
        try {
            runc.delete(id, false);
        } catch (RuncException e) {
            if (!e.getMessage().contains("does not exist")) {
                throw new TtrpcException(Code.UNKNOWN, "failed to delete task: " + e.getMessage());
            }
        }
        Mounts.unmountAll(bundle.rootfs());
    }
}
