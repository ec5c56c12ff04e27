package dev.jrunc.shim.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.runc.RuncException;
import dev.jrunc.shim.stdio.ProcessIO;
import dev.jrunc.shim.stdio.Stdio;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * One more process in a running container ({@code ctr task exec}, {@code kubectl exec}): described by an OCI
 * Process (args, env, cwd, user, terminal), started with {@code runc exec --detach}, which joins the container's
 * namespaces and cgroup. Like the init, once runc has exited the process is our child, and we reap it.
 */
public final class ExecProcess implements ContainerProcess {
    private final String execId;
    private final InitProcess init;
    private final byte[] processJson;
    private final Stdio stdio;
    private final int ioUid;
    private final int ioGid;
    private final ExitRecord exit = new ExitRecord();
    private volatile ExecState state = new ExecState.Created();
    /** Open from the start of runc exec on; null before, and after a failed start. */
    private volatile ProcessIO io;
    private final Object ioLock = new Object();
    /** CloseIO has come, maybe before the stdio was open. Guarded by ioLock. */
    private boolean stdinClosed;
    private volatile int pid;
    /** The reaper has its exit: the pid is no longer ours to signal. */
    private volatile boolean reaped;

    /**
     * @param processSpec the OCI Process JSON from the Exec call; its {@code terminal} is set from {@code stdio}
     */
    public ExecProcess(String execId, InitProcess init, byte[] processSpec, Stdio stdio, int ioUid, int ioGid)
            throws TtrpcException {
        this.execId = execId;
        this.init = init;
        this.stdio = stdio;
        this.ioUid = ioUid;
        this.ioGid = ioGid;
        this.processJson = withTerminal(processSpec, stdio.terminal());
    }

    private static byte[] withTerminal(byte[] spec, boolean terminal) throws TtrpcException {
        try {
            if (!(Json.parse(new String(spec, StandardCharsets.UTF_8)) instanceof Map<?, ?> process)) {
                throw new TtrpcException(Code.INVALID_ARGUMENT, "exec spec is not a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> editable = (Map<String, Object>) process;
            editable.put("terminal", terminal);
            return Json.write(editable).getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new TtrpcException(Code.INVALID_ARGUMENT, "invalid exec spec: " + e.getMessage());
        }
    }

    @Override
    public String id() {
        return execId;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public Stdio stdio() {
        return stdio;
    }

    /** An exec reads as paused while its container is (it is frozen with it). */
    @Override
    public Status status() {
        Status own = state.status();
        Status container = init.status();
        if (own == Status.RUNNING && (container == Status.PAUSED || container == Status.PAUSING)) {
            return container;
        }
        return own;
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

    /** {@code all} means nothing for a single process. */
    @Override
    public synchronized void kill(int signal, boolean all) throws Exception {
        state.kill(this, signal);
    }

    @Override
    public synchronized void delete() throws Exception {
        state.delete(this);
    }

    @Override
    public void reaped() {
        reaped = true;
    }

    @Override
    public CompletableFuture<Void> outputDrained() {
        ProcessIO current = io;
        return current == null ? CompletableFuture.completedFuture(null) : current.drained();
    }

    @Override
    public synchronized void setExited(Exit seen) {
        if (exit.record(seen)) {
            state.exited(this);
            exit.release();
        }
    }

    @Override
    public void awaitExit() throws InterruptedException {
        exit.await();
    }

    /** CloseIO; before Start (or during it, before the stdio is open) it is remembered and applied at Start. */
    @Override
    public void closeStdin() {
        ProcessIO current;
        synchronized (ioLock) {
            stdinClosed = true;
            current = io;
        }
        if (current != null) {
            current.closeStdin();
        }
    }

    @Override
    public void resize(int width, int height) throws IOException {
        ProcessIO current = io;
        if (hasExited()) {
            throw new IOException("cannot resize a stopped process");
        }
        if (current != null) {
            current.resize(width, height);
        }
    }

    // --- what the states do ------------------------------------------------------------------------------------

    void transition(ExecState next) {
        state = next;
    }

    /**
     * runc exec: the Process JSON goes to a private temporary file, which runc reads and we remove.
     *
     * <p>The stdio is ours before runc runs: its stdin FIFO is open, so a client's writes land at once, and the client
     * may send CloseIO while runc exec is still running — ctr does, with {@code printf x | ctr task exec … cat}. That
     * CloseIO must not be lost (the process would wait for end of file for ever), so the stdio is published to
     * {@link #closeStdin()} as soon as it is open, and a CloseIO that came even earlier is applied to it then.
     */
    void runcExec() throws Exception {
        if (init.hasExited()) {
            throw new TtrpcException(Code.FAILED_PRECONDITION, "container " + init.id() + " init process is not running");
        }
        ProcessIO opened = ProcessIO.open(init.id() + "-" + execId, stdio, ioUid, ioGid, execId, init.namespace());
        boolean stdinAlreadyClosed;
        synchronized (ioLock) {
            io = opened;
            stdinAlreadyClosed = stdinClosed;
        }
        if (stdinAlreadyClosed) {
            opened.closeStdin();
        }
        Path spec = null;
        try {
            spec = Files.createTempFile(Path.of(System.getenv().getOrDefault("XDG_RUNTIME_DIR", "/tmp")), "runc-process", "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(spec, processJson);
            init.runc().exec(init.id(), spec, pidFile(), opened.consoleSocket(),
                    opened.childStdin(), opened.childStdout(), opened.childStderr());
            opened.started();
        } catch (RuncException e) {
            abandon(opened);
            throw new TtrpcException(Code.UNKNOWN, "OCI runtime exec failed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            abandon(opened);
            throw e;
        } finally {
            if (spec != null) {
                Files.deleteIfExists(spec);
            }
        }
        pid = Integer.parseInt(Files.readString(pidFile()).trim());
    }

    /** runc exec failed: the stdio is closed here, once, and nobody else may use it. */
    private void abandon(ProcessIO opened) {
        synchronized (ioLock) {
            io = null;
        }
        opened.close();
    }

    void signal(int signal) throws Exception {
        if (reaped || !Posix.kill(pid, signal)) {
            throw new TtrpcException(Code.NOT_FOUND, "process already finished: not found");
        }
    }

    /** Deleted: stop the stdio (bounded drain) and forget the pid file. */
    void release() {
        ProcessIO current = io;
        if (current != null) {
            current.close();
        }
        try {
            Files.deleteIfExists(pidFile());
        } catch (IOException ignored) {
            // the bundle is going away anyway
        }
    }

    private Path pidFile() {
        return init.bundle().dir().resolve(execId + ".pid");
    }
}
