package dev.jrunc.shim.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.jrunc.shim.bundle.Bundle;
import dev.jrunc.shim.cgroups.Cgroup;
import dev.jrunc.shim.cgroups.Cgroups;
import dev.jrunc.shim.bundle.RuntimeOptions;
import dev.jrunc.shim.mount.Mounts;
import dev.jrunc.shim.process.ContainerProcess;
import dev.jrunc.shim.process.ExecProcess;
import dev.jrunc.shim.process.InitProcess;
import dev.jrunc.shim.proto.runc.CheckpointOptions;
import dev.jrunc.shim.proto.runc.Options;
import dev.jrunc.shim.proto.task.CreateTaskRequest;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.stdio.Stdio;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * One container this shim serves: its bundle, its runc, its init process and its exec'd processes.
 *
 * <p>{@link #create} is the Create call's whole critical path: mount the rootfs, remember the options, set up
 * stdio, {@code runc create}.
 */
final class Container {
    private final String id;
    private final Bundle bundle;
    private final InitProcess init;
    private final Runc runc;
    private final Options options;
    private final boolean privatePidNamespace;
    private final Map<String, ExecProcess> execs = new ConcurrentHashMap<>();
    /**
     * Found once the init exists, and kept: a stopped container's metrics are still asked for. A restored
     * container's init exists only after Start, so it is looked up on first use.
     */
    private volatile Optional<Cgroup> cgroup = Optional.empty();

    private Container(String id, Bundle bundle, InitProcess init, Runc runc, Options options) {
        this.id = id;
        this.bundle = bundle;
        this.init = init;
        this.runc = runc;
        this.options = options;
        this.privatePidNamespace = bundle.hasPrivatePidNamespace();
        cgroup();
    }

    static Container create(CreateTaskRequest request, String namespace, Reaper reaper)
            throws IOException, TtrpcException {
        Options options;
        try {
            options = RuntimeOptions.from(request.getOptions());
        } catch (IOException e) {
            throw new TtrpcException(Code.INVALID_ARGUMENT, e.getMessage());
        }
        Path dir = Path.of(request.getBundle());
        if (request.getBundle().isEmpty() || !Files.isDirectory(dir)) {
            throw new TtrpcException(Code.NOT_FOUND, "bundle " + dir + " does not exist: not found");
        }
        Bundle bundle = Bundle.load(dir);
        boolean mounted = false;
        try {
            if (request.getRootfsCount() > 0) {
                Files.createDirectories(bundle.rootfs(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
                Mounts.mountAll(request.getRootfsList(), bundle.rootfs());
                mounted = true;
            }
            bundle.writeOptions(options);
            String root = (options.getRoot().isEmpty() ? Runc.DEFAULT_ROOT : options.getRoot()) + "/" + namespace;
            String binary = options.getBinaryName().isEmpty() ? "runc" : options.getBinaryName();
            Runc runc = new Runc(reaper, binary, root, dir, options.getSystemdCgroup());
            Stdio stdio = new Stdio(request.getStdin(), request.getStdout(), request.getStderr(), request.getTerminal());
            InitProcess init;
            if (request.getCheckpoint().isEmpty()) {
                init = InitProcess.create(request.getId(), namespace, bundle, runc, stdio, options.getNoPivotRoot(),
                        options.getNoNewKeyring(), (int) options.getIoUid(), (int) options.getIoGid());
            } else {
                Path work = options.getCriuWorkPath().isEmpty() ? dir.resolve("work") : Path.of(options.getCriuWorkPath());
                init = InitProcess.restoring(request.getId(), namespace, bundle, runc, stdio, options.getNoPivotRoot(),
                        (int) options.getIoUid(), (int) options.getIoGid(), Path.of(request.getCheckpoint()), work,
                        request.getParentCheckpoint());
            }
            return new Container(request.getId(), bundle, init, runc, options);
        } catch (IOException | TtrpcException | RuntimeException e) {
            if (mounted) {
                Mounts.unmountAll(bundle.rootfs());
            }
            throw e;
        }
    }

    /** containerd.runc.v1.CheckpointOptions from a Checkpoint call (bare or prefixed type URL); defaults if absent. */
    static CheckpointOptions checkpointOptions(Any any) throws TtrpcException {
        if (any.getTypeUrl().isEmpty()) {
            return CheckpointOptions.getDefaultInstance();
        }
        try {
            return CheckpointOptions.parseFrom(any.getValue());
        } catch (InvalidProtocolBufferException e) {
            throw new TtrpcException(Code.INVALID_ARGUMENT, "invalid checkpoint options: " + e.getMessage());
        }
    }

    String id() {
        return id;
    }

    Bundle bundle() {
        return bundle;
    }

    InitProcess init() {
        return init;
    }

    Runc runc() {
        return runc;
    }

    Optional<Cgroup> cgroup() {
        if (cgroup.isEmpty() && init.pid() > 0 && !init.hasExited()) {   // a dead init's pid may be reused
            cgroup = Cgroups.ofProcess(init.pid());
        }
        return cgroup;
    }

    /** The init for exec id "", else that exec. */
    ContainerProcess process(String execId) throws TtrpcException {
        if (execId.isEmpty()) {
            return init;
        }
        ExecProcess exec = execs.get(execId);
        if (exec == null) {
            throw new TtrpcException(Code.NOT_FOUND, "process does not exist " + execId + ": not found");
        }
        return exec;
    }

    /** The Exec call: a new process, not started yet. Exec ids are unique per container. */
    ExecProcess addExec(String execId, Any spec, boolean terminal, String stdin, String stdout, String stderr)
            throws Exception {
        init.checkExec();
        ExecProcess exec = new ExecProcess(execId, init, spec.getValue().toByteArray(),
                new Stdio(stdin, stdout, stderr, terminal), (int) options.getIoUid(), (int) options.getIoGid());
        if (execs.putIfAbsent(execId, exec) != null) {
            throw new TtrpcException(Code.ALREADY_EXISTS, "id " + execId + ": already exists");
        }
        return exec;
    }

    void removeExec(String execId) {
        execs.remove(execId);
    }

    Collection<ExecProcess> execs() {
        return execs.values();
    }

    /**
     * Without a PID namespace of its own, the container's other processes survive its init; the Go shim kills
     * them when the init exits, and so do we.
     */
    boolean needsKillAllOnExit() {
        return !privatePidNamespace;
    }
}
