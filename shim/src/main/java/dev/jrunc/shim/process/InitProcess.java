package dev.jrunc.shim.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

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
 *
 * <p>Operations take the process's lock (one runc call at a time per container); reading its state does not,
 * so State answers at once even while a slow runc call is in flight.
 */
public final class InitProcess implements ContainerProcess {
    private static final System.Logger LOG = System.getLogger("jrunc.process");

    private final String id;
    private final String namespace;
    private final Bundle bundle;
    private final Runc runc;
    private final Stdio stdio;
    private final ProcessIO io;
    /** 0 until a restored init runs (a checkpoint's Create starts nothing). */
    private volatile int pid;
    private final ExitRecord exit = new ExitRecord();
    private volatile InitState state;
    private volatile boolean pausing;

    private InitProcess(String id, String namespace, Bundle bundle, Runc runc, Stdio stdio, ProcessIO io, int pid,
                        InitState state) {
        this.state = state;
        this.id = id;
        this.namespace = namespace;
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
    public static InitProcess create(String id, String namespace, Bundle bundle, Runc runc, Stdio stdio, boolean noPivot,
                                     boolean noNewKeyring, int ioUid, int ioGid) throws IOException, TtrpcException {
        ProcessIO io = ProcessIO.open(id, stdio, ioUid, ioGid, id, namespace);
        try {
            runc.create(id, new Runc.CreateOptions(bundle.initPidFile(), noPivot, noNewKeyring, io.consoleSocket()),
                    io.childStdin(), io.childStdout(), io.childStderr());
            io.started();
        } catch (RuncException e) {
            io.close();
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime create failed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            io.close();
            throw e;
        }
        return new InitProcess(id, namespace, bundle, runc, stdio, io, bundle.readInitPid(), new CreatedState());
    }

    /**
     * Create with a checkpoint: only the stdio is opened now; Start runs {@code runc restore} from the checkpoint's
     * image directory, which containerd unpacked for us. CRIU works in {@code workPath} (runc's option
     * CriuWorkPath, else {@code <bundle>/work}, as in the Go shim).
     */
    public static InitProcess restoring(String id, String namespace, Bundle bundle, Runc runc, Stdio stdio, boolean noPivot, int ioUid,
                                        int ioGid, Path imagePath, Path workPath,
                                        String parentPath) throws IOException {
        ProcessIO io = ProcessIO.open(id, stdio, ioUid, ioGid, id, namespace);
        Runc.RestoreOptions options = new Runc.RestoreOptions(imagePath, workPath, parentPath, bundle.initPidFile(),
                noPivot, io.consoleSocket());
        return new InitProcess(id, namespace, bundle, runc, stdio, io, 0, new CreatedCheckpointState(options));
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public Stdio stdio() {
        return stdio;
    }

    /** containerd's namespace, which a binary:// logger is told. */
    String namespace() {
        return namespace;
    }

    Bundle bundle() {
        return bundle;
    }

    Runc runc() {
        return runc;
    }

    @Override
    public Status status() {
        return pausing ? Status.PAUSING : state.status();
    }

    @Override
    public int exitStatus() {
        return exit.status();
    }

    @Override
    public Instant exitedAt() {
        return exit.at();
    }

    @Override
    public boolean hasExited() {
        return exit.at() != null;
    }

    @Override
    public synchronized void start() throws Exception {
        state.start(this);
    }

    @Override
    public synchronized void kill(int signal, boolean all) throws Exception {
        state.kill(this, signal, all);
    }

    @Override
    public synchronized void delete() throws Exception {
        state.delete(this);
    }

    public synchronized void pause() throws Exception {
        state.pause(this);
    }

    public synchronized void resume() throws Exception {
        state.resume(this);
    }

    /** New cgroup limits: an OCI LinuxResources JSON. */
    public synchronized void update(byte[] resources) throws Exception {
        state.update(this, resources);
    }

    /** runc checkpoint: CRIU writes the container's processes to {@code options.imagePath()}. */
    public synchronized void checkpoint(Runc.CheckpointOptions options) throws Exception {
        state.checkpoint(this, options);
    }

    /** Throws if the container's state allows no new exec (paused, stopped, deleted). */
    public void checkExec() throws Exception {
        state.checkExec();
    }

    /** runc signals the init through its own state, which knows a dead init from a new process with its pid. */
    @Override
    public void reaped() {
    }

    @Override
    public CompletableFuture<Void> outputDrained() {
        return io.drained();
    }

    @Override
    public synchronized void setExited(Exit reaped) {
        if (exit.record(reaped)) {
            state.exited(this);
            exit.release();
        }
    }

    @Override
    public void awaitExit() throws InterruptedException {
        exit.await();
    }

    @Override
    public void closeStdin() {
        io.closeStdin();
    }

    /**
     * In any state, as the Go shim's init: ctr resizes the terminal right after Start, and a container that has
     * already exited by then must not make it print an error. (The terminal stays open until Delete; without one
     * there is nothing to do.)
     */
    @Override
    public void resize(int width, int height) throws IOException {
        io.resize(width, height);
    }

    // --- what the states do ------------------------------------------------------------------------------------

    void transition(InitState next) {
        state = next;
    }

    /** runc restore, then the stdio copying starts and the restored init's pid is known. */
    void runcRestore(Runc.RestoreOptions options) throws IOException, TtrpcException {
        Files.createDirectories(options.workPath());
        try {
            runc.restore(id, options, io.childStdin(), io.childStdout(), io.childStderr());
        } catch (RuncException e) {
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime restore failed: " + e.getMessage());
        }
        io.started();
        pid = bundle.readInitPid();
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

    void runcPause() throws IOException, TtrpcException {
        pausing = true;
        try {
            runc.pause(id);
        } catch (RuncException e) {
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime pause failed: " + e.getMessage());
        } finally {
            pausing = false;
        }
    }

    void runcResume() throws IOException, TtrpcException {
        try {
            runc.resume(id);
        } catch (RuncException e) {
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime resume failed: " + e.getMessage());
        }
    }

    void runcUpdate(byte[] resources) throws IOException, TtrpcException {
        try {
            runc.update(id, resources);
        } catch (RuncException e) {
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime update failed: " + e.getMessage());
        }
    }

    /**
     * CRIU works in a scratch directory; when it fails, its dump.log (the only place that says why) is kept
     * as {@code <bundle>/criu-dump.log} and named in the error, as the Go shim does.
     */
    void runcCheckpoint(Runc.CheckpointOptions options) throws IOException, TtrpcException {
        try {
            runc.checkpoint(id, options);
        } catch (RuncException e) {
            Path dumpLog = bundle.dir().resolve("criu-dump.log");
            Path workLog = options.workPath().resolve("dump.log");
            if (Files.exists(workLog)) {
                Files.copy(workLog, dumpLog, StandardCopyOption.REPLACE_EXISTING);
            }
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime checkpoint failed: " + e.getMessage() + " path= " + dumpLog);
        }
    }

    /** After the init died frozen: thaw the cgroup so its other processes can die too. */
    void thawAfterExit() {
        try {
            runc.resume(id);
        } catch (RuncException | IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "resume after exit of paused {0}: {1}", id, e.getMessage());
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
