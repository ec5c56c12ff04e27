package dev.jrunc.shim.task;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;

import dev.jrunc.shim.cgroups.Cgroup;
import dev.jrunc.shim.cgroups.OomWatcher;
import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.events.Topics;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.process.ContainerProcess;
import dev.jrunc.shim.process.ExecProcess;
import dev.jrunc.shim.process.InitProcess;
import dev.jrunc.shim.proto.events.TaskCreate;
import dev.jrunc.shim.proto.events.TaskDelete;
import dev.jrunc.shim.proto.events.TaskExecAdded;
import dev.jrunc.shim.proto.events.TaskExecStarted;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.events.TaskIO;
import dev.jrunc.shim.proto.events.TaskOOM;
import dev.jrunc.shim.proto.events.TaskPaused;
import dev.jrunc.shim.proto.events.TaskResumed;
import dev.jrunc.shim.proto.events.TaskStart;
import dev.jrunc.shim.proto.runc.CheckpointOptions;
import dev.jrunc.shim.proto.runc.ProcessDetails;
import dev.jrunc.shim.proto.task.CheckpointTaskRequest;
import dev.jrunc.shim.proto.task.CloseIORequest;
import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.CreateTaskRequest;
import dev.jrunc.shim.proto.task.CreateTaskResponse;
import dev.jrunc.shim.proto.task.DeleteRequest;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.proto.task.ExecProcessRequest;
import dev.jrunc.shim.proto.task.KillRequest;
import dev.jrunc.shim.proto.task.PauseRequest;
import dev.jrunc.shim.proto.task.PidsRequest;
import dev.jrunc.shim.proto.task.PidsResponse;
import dev.jrunc.shim.proto.task.ResizePtyRequest;
import dev.jrunc.shim.proto.task.ResumeRequest;
import dev.jrunc.shim.proto.task.ShutdownRequest;
import dev.jrunc.shim.proto.task.StartRequest;
import dev.jrunc.shim.proto.task.StartResponse;
import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.proto.task.StateResponse;
import dev.jrunc.shim.proto.task.StatsRequest;
import dev.jrunc.shim.proto.task.StatsResponse;
import dev.jrunc.shim.proto.task.UpdateTaskRequest;
import dev.jrunc.shim.proto.task.WaitRequest;
import dev.jrunc.shim.proto.task.WaitResponse;
import dev.jrunc.shim.proto.types.ProcessInfo;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.runc.RuncException;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.Services;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * {@code containerd.task.v2.Task}: the service containerd calls on the shim's socket, one method per task
 * operation. Every call names a container id and an exec id ("" = the container's init process).
 *
 * <p>Events go out in the order containerd's clients rely on — /tasks/create, /tasks/start, /tasks/exit,
 * /tasks/delete (and /tasks/exec-added, /tasks/exec-started, /tasks/exit for execs) — because each is published
 * while holding the container's lock, and the reaper's exits are handled one at a time on a single thread that
 * takes the same lock. That lock is never held across a runc call: a slow {@code runc exec} or {@code runc start}
 * would otherwise stall the other execs of the container and, through the exits thread, every exit of the shim.
 * A process's exit is matched to it only once its start has been published ({@link EarlyExits}).
 */
public final class TaskService implements AutoCloseable {
    public static final String SERVICE = "containerd.task.v2.Task";
    private static final System.Logger LOG = System.getLogger("jrunc.task");
    private static final String PROCESS_DETAILS = "containerd.runc.v1.ProcessDetails";

    private final String namespace;
    private final Reaper reaper;
    private final Publisher publisher;
    private final Runnable shutdown;
    private final OomWatcher oomWatcher;
    private volatile java.util.function.Consumer<java.nio.file.Path> whenCreated = bundle -> { };
    private volatile java.util.function.Consumer<java.nio.file.Path> whenBundleDone = bundle -> { };
    private volatile Runnable whenTasksChange = () -> { };
    private final Map<String, Container> containers = new ConcurrentHashMap<>();

    /** Which running process a pid is. */
    private record Owner(Container container, ContainerProcess process) {
    }

    private final Object pidLock = new Object();
    private final Map<Integer, Owner> byPid = new ConcurrentHashMap<>();
    private final EarlyExits earlyExits = new EarlyExits();
    /** An init's exit waiting for its container's running execs to exit; used on the exits thread only. */
    private final Map<Container, Runnable> heldInitExits = new java.util.HashMap<>();
    private final ExecutorService exits = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "exits");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param shutdown run once the last container is gone and containerd asks the shim to shut down
     */
    public TaskService(String namespace, Reaper reaper, Publisher publisher, Runnable shutdown) {
        this.namespace = namespace;
        this.reaper = reaper;
        this.publisher = publisher;
        this.shutdown = shutdown;
        this.oomWatcher = new OomWatcher(id -> publisher.publish(Topics.TASK_OOM, TaskOOM.newBuilder().setContainerId(id).build()));
        reaper.subscribe(exit -> exits.execute(() -> handleExit(exit)));
    }

    /** Registers every Task method. */
    public Services register(Services services) {
        return services
                .register(SERVICE, "Create", CreateTaskRequest.parser(), this::create)
                .register(SERVICE, "Start", StartRequest.parser(), this::start)
                .register(SERVICE, "State", StateRequest.parser(), this::state)
                .register(SERVICE, "Wait", WaitRequest.parser(), this::await)
                .register(SERVICE, "Kill", KillRequest.parser(), this::kill)
                .register(SERVICE, "Delete", DeleteRequest.parser(), this::delete)
                .register(SERVICE, "Exec", ExecProcessRequest.parser(), this::exec)
                .register(SERVICE, "Pids", PidsRequest.parser(), this::pids)
                .register(SERVICE, "Pause", PauseRequest.parser(), this::pause)
                .register(SERVICE, "Resume", ResumeRequest.parser(), this::resume)
                .register(SERVICE, "ResizePty", ResizePtyRequest.parser(), this::resizePty)
                .register(SERVICE, "CloseIO", CloseIORequest.parser(), this::closeIO)
                .register(SERVICE, "Update", UpdateTaskRequest.parser(), this::update)
                .register(SERVICE, "Stats", StatsRequest.parser(), this::stats)
                .register(SERVICE, "Connect", ConnectRequest.parser(), this::connect)
                .register(SERVICE, "Shutdown", ShutdownRequest.parser(), this::shutdown)
                .register(SERVICE, "Checkpoint", CheckpointTaskRequest.parser(), this::checkpoint);
    }

    public boolean hasContainers() {
        return !containers.isEmpty();
    }

    /**
     * Called with the bundle of each container created, and with a bundle containerd is about to remove: its
     * container deleted, or its Create failed. The daemon writes its log into the newest live bundle's log FIFO.
     */
    public void whenBundles(java.util.function.Consumer<java.nio.file.Path> created,
            java.util.function.Consumer<java.nio.file.Path> done) {
        this.whenCreated = created;
        this.whenBundleDone = done;
    }

    /**
     * A failed Create's bundle is done too. Only an absolute path names one: an empty or relative one (bad input)
     * would resolve against our working folder, the first container's bundle, which is not done at all.
     */
    private void failedBundle(String bundle) {
        try {
            java.nio.file.Path path = java.nio.file.Path.of(bundle);
            if (path.isAbsolute()) {
                whenBundleDone.accept(path);
            }
        } catch (java.nio.file.InvalidPathException notAPath) {
            // nothing of ours is there
        }
    }

    /** Called after a container was added or removed ({@link #hasContainers()} then tells which). */
    public void whenTasksChange(Runnable listener) {
        this.whenTasksChange = listener;
    }

    // --- a container's init ----------------------------------------------------------------------------------

    CreateTaskResponse create(CreateTaskRequest request) throws Exception {
        if (containers.containsKey(request.getId())) {
            throw new TtrpcException(Code.ALREADY_EXISTS, "container " + request.getId() + ": already exists");
        }
        EarlyExits.Window window = earlyExits.open();
        Container container;
        try {
            container = Container.create(request, namespace, reaper);
        } catch (Exception e) {
            earlyExits.close(window, 0);
            failedBundle(request.getBundle());
            throw e;
        }
        whenCreated.accept(container.bundle().dir());
        InitProcess init = container.init();
        synchronized (container) {
            containers.put(container.id(), container);
            publisher.publish(Topics.TASK_CREATE, TaskCreate.newBuilder()
                    .setContainerId(container.id())
                    .setBundle(request.getBundle())
                    .addAllRootfs(request.getRootfsList())
                    .setIo(TaskIO.newBuilder().setStdin(request.getStdin()).setStdout(request.getStdout())
                            .setStderr(request.getStderr()).setTerminal(request.getTerminal()))
                    .setCheckpoint(request.getCheckpoint())
                    .setPid(init.pid())
                    .build());
            watchPid(container, init, window);
        }
        whenTasksChange.run();
        return CreateTaskResponse.newBuilder().setPid(init.pid()).build();
    }

    /**
     * runc start (the init) or runc exec, without the container's lock. An exit during the call waits in a window
     * of {@link EarlyExits} — for the init, whose pid is known since Create, by un-watching it meanwhile — and is
     * handled once the start event is out.
     */
    StartResponse start(StartRequest request) throws Exception {
        Container container = container(request.getId());
        ContainerProcess process = container.process(request.getExecId());
        EarlyExits.Window window;
        synchronized (pidLock) {
            if (process.pid() > 0) {
                byPid.remove(process.pid());
            }
            window = earlyExits.open();
        }
        try {
            process.start();
        } catch (Exception e) {
            synchronized (container) {
                watchPid(container, process, window);
            }
            throw e;
        }
        if (process instanceof InitProcess) {
            watchForOom(container);   // before /tasks/start, as the Go shim: a client that saw it may rely on it
        }
        synchronized (container) {
            if (process instanceof ExecProcess) {
                publisher.publish(Topics.TASK_EXEC_STARTED, TaskExecStarted.newBuilder()
                        .setContainerId(container.id()).setExecId(process.id()).setPid(process.pid()).build());
            } else {
                publisher.publish(Topics.TASK_START, TaskStart.newBuilder()
                        .setContainerId(container.id()).setPid(process.pid()).build());
            }
            watchPid(container, process, window);
        }
        return StartResponse.newBuilder().setPid(process.pid()).build();
    }

    /** Like the Go shim: OOM watching starts once the container runs; failing to watch is not fatal. */
    private void watchForOom(Container container) {
        try {
            Optional<Cgroup> cgroup = container.cgroup();
            if (cgroup.isPresent()) {
                oomWatcher.watch(container.id(), cgroup.get());
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot watch {0} for OOM kills: {1}", container.id(), e.getMessage());
        }
    }

    /** runc delete and the stdio's drain (up to 2 s) run without the container's lock; the bookkeeping takes it. */
    DeleteResponse delete(DeleteRequest request) throws Exception {
        Container container = container(request.getId());
        ContainerProcess process = container.process(request.getExecId());
        process.delete();
        synchronized (container) {
            byPid.remove(process.pid());
            if (process instanceof ExecProcess) {
                container.removeExec(process.id());
            } else {
                containers.remove(container.id());
                // No id (field 5): the Go shim leaves it unset for the init, and subscribers see the difference.
                publisher.publish(Topics.TASK_DELETE, TaskDelete.newBuilder()
                        .setContainerId(container.id())
                        .setPid(process.pid())
                        .setExitStatus(process.exitStatus())
                        .setExitedAt(Timestamps.of(process.exitedAt()))
                        .build());
            }
        }
        if (process instanceof InitProcess) {
            whenBundleDone.accept(container.bundle().dir());
            whenTasksChange.run();
        }
        return DeleteResponse.newBuilder()
                .setPid(process.pid())
                .setExitStatus(process.exitStatus())
                .setExitedAt(Timestamps.of(process.exitedAt()))
                .build();
    }

    // --- any process ---------------------------------------------------------------------------------------------

    StateResponse state(StateRequest request) throws TtrpcException {
        Container container = container(request.getId());
        ContainerProcess process = container.process(request.getExecId());
        return StateResponse.newBuilder()
                .setId(process.id())
                .setBundle(container.bundle().dir().toString())
                .setPid(process.pid())
                .setStatus(process.status())
                .setStdin(process.stdio().stdin())
                .setStdout(process.stdio().stdout())
                .setStderr(process.stdio().stderr())
                .setTerminal(process.stdio().terminal())
                .setExitStatus(process.exitStatus())
                .setExitedAt(Timestamps.of(process.exitedAt()))
                .setExecId(request.getExecId())
                .build();
    }

    /** Blocks until the process exits: containerd holds this call open for the process's whole life. */
    WaitResponse await(WaitRequest request) throws Exception {
        ContainerProcess process = container(request.getId()).process(request.getExecId());
        process.awaitExit();
        return WaitResponse.newBuilder()
                .setExitStatus(process.exitStatus())
                .setExitedAt(Timestamps.of(process.exitedAt()))
                .build();
    }

    Empty kill(KillRequest request) throws Exception {
        container(request.getId()).process(request.getExecId()).kill(request.getSignal(), request.getAll());
        return Empty.getDefaultInstance();
    }

    /** Adds an exec'd process (not started yet: Start with its exec id does that). */
    Empty exec(ExecProcessRequest request) throws Exception {
        Container container = container(request.getId());
        synchronized (container) {
            container.addExec(request.getExecId(), request.getSpec(), request.getTerminal(),
                    request.getStdin(), request.getStdout(), request.getStderr());
            publisher.publish(Topics.TASK_EXEC_ADDED, TaskExecAdded.newBuilder()
                    .setContainerId(container.id()).setExecId(request.getExecId()).build());
        }
        return Empty.getDefaultInstance();
    }

    Empty resizePty(ResizePtyRequest request) throws Exception {
        ContainerProcess process = container(request.getId()).process(request.getExecId());
        try {
            process.resize((int) request.getWidth(), (int) request.getHeight());
        } catch (IOException e) {
            throw new TtrpcException(Code.UNKNOWN, e.getMessage());
        }
        return Empty.getDefaultInstance();
    }

    Empty closeIO(CloseIORequest request) throws TtrpcException {
        ContainerProcess process = container(request.getId()).process(request.getExecId());
        if (request.getStdin()) {
            process.closeStdin();
        }
        return Empty.getDefaultInstance();
    }

    // --- the container as a whole -----------------------------------------------------------------------------

    Empty pause(PauseRequest request) throws Exception {
        Container container = container(request.getId());
        container.init().pause();
        publisher.publish(Topics.TASK_PAUSED, TaskPaused.newBuilder().setContainerId(container.id()).build());
        return Empty.getDefaultInstance();
    }

    Empty resume(ResumeRequest request) throws Exception {
        Container container = container(request.getId());
        container.init().resume();
        publisher.publish(Topics.TASK_RESUMED, TaskResumed.newBuilder().setContainerId(container.id()).build());
        return Empty.getDefaultInstance();
    }

    /** New cgroup limits (an OCI LinuxResources JSON); annotations are ignored, as by the Go shim. */
    Empty update(UpdateTaskRequest request) throws Exception {
        container(request.getId()).init().update(request.getResources().getValue().toByteArray());
        return Empty.getDefaultInstance();
    }

    /** runc checkpoint (CRIU) into the request's path; the container keeps running unless the options say exit. */
    Empty checkpoint(CheckpointTaskRequest request) throws Exception {
        Container container = container(request.getId());
        CheckpointOptions options = Container.checkpointOptions(request.getOptions());
        java.nio.file.Path work = options.getWorkPath().isEmpty()
                ? container.bundle().dir().resolve("criu-work") : java.nio.file.Path.of(options.getWorkPath());
        String image = options.getImagePath().isEmpty() ? request.getPath() : options.getImagePath();
        try {
            container.init().checkpoint(new Runc.CheckpointOptions(java.nio.file.Path.of(image), work, !options.getExit(),
                    options.getOpenTcp(), options.getExternalUnixSockets(), options.getTerminal(), options.getFileLocks(),
                    options.getEmptyNamespacesList(), options.getCgroupsMode()));
        } finally {
            if (options.getWorkPath().isEmpty()) {
                deleteRecursively(work);
            }
        }
        return Empty.getDefaultInstance();
    }

    private static void deleteRecursively(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // scratch space; nothing depends on it
        }
    }

    /** Every process of the container ({@code runc ps}); exec'd ones carry their exec id. */
    PidsResponse pids(PidsRequest request) throws Exception {
        Container container = container(request.getId());
        Map<Integer, String> execIds = new java.util.HashMap<>();
        for (ExecProcess exec : container.execs()) {
            if (exec.pid() > 0) {
                execIds.put(exec.pid(), exec.id());
            }
        }
        PidsResponse.Builder response = PidsResponse.newBuilder();
        try {
            for (int pid : container.runc().ps(container.id())) {
                ProcessInfo.Builder info = ProcessInfo.newBuilder().setPid(pid);
                String execId = execIds.get(pid);
                if (execId != null) {
                    info.setInfo(Any.newBuilder().setTypeUrl(PROCESS_DETAILS)
                            .setValue(ProcessDetails.newBuilder().setExecId(execId).build().toByteString()));
                }
                response.addProcesses(info);
            }
        } catch (RuncException e) {
            throw new TtrpcException(Code.UNKNOWN, "failed to list processes: " + e.getMessage());
        }
        return response.build();
    }

    /** The container's cgroup metrics (what {@code ctr task metrics} and kubelet's stats read). */
    StatsResponse stats(StatsRequest request) throws Exception {
        Container container = container(request.getId());
        Cgroup cgroup = container.cgroup()
                .orElseThrow(() -> new TtrpcException(Code.NOT_FOUND, "cgroup does not exist: not found"));
        return StatsResponse.newBuilder().setStats(cgroup.stats()).build();
    }

    // --- the shim itself ----------------------------------------------------------------------------------------

    /** Liveness and pids; answers for unknown ids too (containerd calls it after a delete). */
    ConnectResponse connect(ConnectRequest request) {
        Container container = containers.get(request.getId());
        return ConnectResponse.newBuilder()
                .setShimPid(Posix.getpid())
                .setTaskPid(container == null ? 0 : container.init().pid())
                .build();
    }

    /** containerd 1.6 asks after every Delete; a shim serving a group or a pod keeps running while it has containers. */
    Empty shutdown(ShutdownRequest request) {
        if (containers.isEmpty()) {
            shutdown.run();
        }
        return Empty.getDefaultInstance();
    }

    /** The shim is exiting: stop watching for OOM kills. */
    @Override
    public void close() {
        oomWatcher.close();
    }

    // --- exits --------------------------------------------------------------------------------------------------

    /**
     * Now that the process runs, its exit may be matched to it. It may already have exited (and been reaped)
     * before we knew its pid: then its exit waits in the start's window, and is handled now — after the create or
     * start event the caller has just published.
     */
    private void watchPid(Container container, ContainerProcess process, EarlyExits.Window window) {
        Optional<Exit> early;
        synchronized (pidLock) {
            if (process.pid() > 0) {
                byPid.put(process.pid(), new Owner(container, process));
            }
            early = earlyExits.close(window, process.pid());
        }
        early.ifPresent(exit -> exits.execute(() -> handleExit(exit)));
    }

    /** One exit from the reaper, on the single "exits" thread. */
    private void handleExit(Exit exit) {
        Owner owner;
        synchronized (pidLock) {
            owner = byPid.get(exit.pid());
            if (owner == null) {
                earlyExits.offer(exit);   // kept only while a start is in flight; otherwise an orphan's
                return;
            }
        }
        Container container = owner.container();
        ContainerProcess process = owner.process();
        if (process instanceof InitProcess) {
            oomWatcher.flush(container.id());   // an OOM kill that caused this exit is reported before it
        }
        if (process instanceof InitProcess && container.needsKillAllOnExit()) {
            try {
                container.runc().kill(container.id(), Posix.SIGKILL, true);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "kill --all after init exit of {0}: {1}", container.id(), e.getMessage());
            }
        }
        // The exit must not overtake the output: a client may drop its FIFOs as soon as it learns of the exit
        // (containerd 1.6's ctr run --rm closes them), losing whatever the process wrote that it has not read yet.
        // So the exit is recorded — Wait returns, /tasks/exit goes out — once the client has read the output. Usually
        // at once; else when the pump sees it read, without holding up this thread and the other processes' exits.
        process.reaped();
        CompletableFuture<Void> drained = process.outputDrained();
        if (drained.isDone()) {
            recordExit(container, process, exit);
        } else {
            drained.whenComplete((ignored, error) -> exits.execute(() -> recordExit(container, process, exit)));
        }
    }

    /**
     * Records and publishes an exit (on the exits thread only). A container's init exit waits while execs of it still
     * run, as in the Go shim: a killed container's processes are reaped in any order, and clients take the init's
     * exit for the container's end. The execs' exits follow at once (the kernel ends a pid namespace with its init,
     * runc kill --all the rest); the last one releases the init's.
     */
    private void recordExit(Container container, ContainerProcess process, Exit exit) {
        if (process instanceof InitProcess && hasRunningExecs(container)) {
            heldInitExits.put(container, () -> recordExit(container, process, exit));
            return;
        }
        synchronized (container) {
            if (process.hasExited()) {
                return;
            }
            process.setExited(exit);
            publisher.publish(Topics.TASK_EXIT, TaskExit.newBuilder()
                    .setContainerId(container.id())
                    .setId(process.id())
                    .setPid(exit.pid())
                    .setExitStatus(exit.status())
                    .setExitedAt(Timestamps.of(exit.exitedAt()))
                    .build());
        }
        if (process instanceof ExecProcess && heldInitExits.containsKey(container) && !hasRunningExecs(container)) {
            heldInitExits.remove(container).run();
        }
    }

    /** Started execs of the container whose exit is not recorded yet. */
    private boolean hasRunningExecs(Container container) {
        for (ExecProcess exec : container.execs()) {
            if (exec.pid() > 0 && !exec.hasExited() && byPid.containsKey(exec.pid())) {
                return true;
            }
        }
        return false;
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private Container container(String id) throws TtrpcException {
        Container container = containers.get(id);
        if (container == null) {
            throw new TtrpcException(Code.NOT_FOUND, "container not created: not found");
        }
        return container;
    }

}
