package dev.jrunc.shim.task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import java.io.IOException;
import java.util.Optional;

import com.google.protobuf.Empty;

import dev.jrunc.shim.cgroups.Cgroup;
import dev.jrunc.shim.cgroups.Cgroups;
import dev.jrunc.shim.cgroups.OomWatcher;

import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.events.Topics;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.process.InitProcess;
import dev.jrunc.shim.proto.events.TaskCreate;
import dev.jrunc.shim.proto.events.TaskDelete;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.events.TaskIO;
import dev.jrunc.shim.proto.events.TaskOOM;
import dev.jrunc.shim.proto.events.TaskStart;
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
import dev.jrunc.shim.runc.RuncException;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.Services;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * {@code containerd.task.v2.Task}: the service containerd calls on the shim's socket, one method per task
 * operation (Create, Start, State, Wait, Kill, Delete, …).
 *
 * <p>Events go out in the order containerd's clients rely on — /tasks/create, /tasks/start, /tasks/exit,
 * /tasks/delete — because each is published while holding the container's lock, and the reaper's exits are
 * handled one at a time on a single thread that takes the same lock.
 */
public final class TaskService {
    public static final String SERVICE = "containerd.task.v2.Task";
    private static final System.Logger LOG = System.getLogger("jrunc.task");
    private static final int MAX_UNCLAIMED_EXITS = 1024;

    private final String namespace;
    private final Reaper reaper;
    private final Publisher publisher;
    private final Runnable shutdown;
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private final OomWatcher oomWatcher;

    /** Exits whose pid we do not know (yet): an init can die before its pid file has been read. */
    private final Object pidLock = new Object();
    private final Map<Integer, Container> byPid = new ConcurrentHashMap<>();
    private final LinkedHashMap<Integer, Exit> unclaimedExits = new LinkedHashMap<>();
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
        reaper.subscribe(exit -> exits.execute(() -> handleExit(exit)));
        this.oomWatcher = new OomWatcher(id -> publisher.publish(Topics.TASK_OOM, TaskOOM.newBuilder().setContainerId(id).build()));
    }

    /** Registers every Task method; those not built yet answer Unimplemented, as containerd expects. */
    public Services register(Services services) {
        return services
                .register(SERVICE, "Create", CreateTaskRequest.parser(), this::create)
                .register(SERVICE, "Start", StartRequest.parser(), this::start)
                .register(SERVICE, "State", StateRequest.parser(), this::state)
                .register(SERVICE, "Wait", WaitRequest.parser(), this::await)
                .register(SERVICE, "Kill", KillRequest.parser(), this::kill)
                .register(SERVICE, "Delete", DeleteRequest.parser(), this::delete)
                .register(SERVICE, "Pids", PidsRequest.parser(), this::pids)
                .register(SERVICE, "Connect", ConnectRequest.parser(), this::connect)
                .register(SERVICE, "Shutdown", ShutdownRequest.parser(), this::shutdown)
                .register(SERVICE, "Pause", PauseRequest.parser(), notYet("Pause"))
                .register(SERVICE, "Resume", ResumeRequest.parser(), notYet("Resume"))
                .register(SERVICE, "Checkpoint", CheckpointTaskRequest.parser(), notYet("Checkpoint"))
                .register(SERVICE, "Exec", ExecProcessRequest.parser(), notYet("Exec"))
                .register(SERVICE, "ResizePty", ResizePtyRequest.parser(), notYet("ResizePty"))
                .register(SERVICE, "CloseIO", CloseIORequest.parser(), this::closeIO)
                .register(SERVICE, "Update", UpdateTaskRequest.parser(), notYet("Update"))
                .register(SERVICE, "Stats", StatsRequest.parser(), this::stats);
    }

    public boolean hasContainers() {
        return !containers.isEmpty();
    }

    // --- the task lifecycle -------------------------------------------------------------------------------------

    CreateTaskResponse create(CreateTaskRequest request) throws Exception {
        if (containers.containsKey(request.getId())) {
            throw new TtrpcException(Code.ALREADY_EXISTS, "container " + request.getId() + ": already exists");
        }
        Container container = Container.create(request, namespace, reaper);
        InitProcess init = container.init();
        Exit early;
        synchronized (container) {
            containers.put(container.id(), container);
            synchronized (pidLock) {
                byPid.put(init.pid(), container);
                early = unclaimedExits.remove(init.pid());
            }
            publisher.publish(Topics.TASK_CREATE, TaskCreate.newBuilder()
                    .setContainerId(container.id())
                    .setBundle(request.getBundle())
                    .addAllRootfs(request.getRootfsList())
                    .setIo(TaskIO.newBuilder().setStdin(request.getStdin()).setStdout(request.getStdout())
                            .setStderr(request.getStderr()).setTerminal(request.getTerminal()))
                    .setCheckpoint(request.getCheckpoint())
                    .setPid(init.pid())
                    .build());
        }
        if (early != null) {
            exits.execute(() -> handleExit(early));
        }
        return CreateTaskResponse.newBuilder().setPid(init.pid()).build();
    }

    StartResponse start(StartRequest request) throws Exception {
        Container container = container(request.getId());
        noExecs(request.getExecId());
        InitProcess init = container.init();
        synchronized (container) {
            init.start();
            publisher.publish(Topics.TASK_START, TaskStart.newBuilder()
                    .setContainerId(container.id()).setPid(init.pid()).build());
        }
        watchForOom(container);
        return StartResponse.newBuilder().setPid(init.pid()).build();
    }

    /** Like the Go shim: OOM watching starts once the container runs; failing to watch is not fatal. */
    private void watchForOom(Container container) {
        try {
            Optional<Cgroup> cgroup = Cgroups.ofProcess(container.init().pid());
            if (cgroup.isPresent()) {
                oomWatcher.watch(container.id(), cgroup.get());
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot watch {0} for OOM kills: {1}", container.id(), e.getMessage());
        }
    }

    /** The container's cgroup metrics (what {@code ctr task metrics} and kubelet's stats read). */
    StatsResponse stats(StatsRequest request) throws Exception {
        Container container = container(request.getId());
        Cgroup cgroup = Cgroups.ofProcess(container.init().pid())
                .orElseThrow(() -> new TtrpcException(Code.NOT_FOUND, "cgroup does not exist: not found"));
        return StatsResponse.newBuilder().setStats(cgroup.stats()).build();
    }

    StateResponse state(StateRequest request) throws TtrpcException {
        Container container = container(request.getId());
        noExecs(request.getExecId());
        InitProcess init = container.init();
        return StateResponse.newBuilder()
                .setId(container.id())
                .setBundle(container.bundle().dir().toString())
                .setPid(init.pid())
                .setStatus(init.status())
                .setStdin(init.stdio().stdin())
                .setStdout(init.stdio().stdout())
                .setStderr(init.stdio().stderr())
                .setTerminal(init.stdio().terminal())
                .setExitStatus(init.exitStatus())
                .setExitedAt(Timestamps.of(init.exitedAt()))
                .build();
    }

    /** Blocks until the process exits: containerd holds this call open for the container's whole life. */
    WaitResponse await(WaitRequest request) throws Exception {
        Container container = container(request.getId());
        noExecs(request.getExecId());
        InitProcess init = container.init();
        init.awaitExit();
        return WaitResponse.newBuilder()
                .setExitStatus(init.exitStatus())
                .setExitedAt(Timestamps.of(init.exitedAt()))
                .build();
    }

    Empty kill(KillRequest request) throws Exception {
        Container container = container(request.getId());
        noExecs(request.getExecId());
        container.init().kill(request.getSignal(), request.getAll());
        return Empty.getDefaultInstance();
    }

    DeleteResponse delete(DeleteRequest request) throws Exception {
        Container container = container(request.getId());
        noExecs(request.getExecId());
        InitProcess init = container.init();
        synchronized (container) {
            init.delete();
            containers.remove(container.id());
            byPid.remove(init.pid());
            publisher.publish(Topics.TASK_DELETE, TaskDelete.newBuilder()
                    .setContainerId(container.id())
                    .setPid(init.pid())
                    .setExitStatus(init.exitStatus())
                    .setExitedAt(Timestamps.of(init.exitedAt()))
                    .setId(container.id())
                    .build());
        }
        return DeleteResponse.newBuilder()
                .setPid(init.pid())
                .setExitStatus(init.exitStatus())
                .setExitedAt(Timestamps.of(init.exitedAt()))
                .build();
    }

    PidsResponse pids(PidsRequest request) throws Exception {
        Container container = container(request.getId());
        PidsResponse.Builder response = PidsResponse.newBuilder();
        try {
            for (int pid : container.runc().ps(container.id())) {
                response.addProcesses(ProcessInfo.newBuilder().setPid(pid));
            }
        } catch (RuncException e) {
            throw new TtrpcException(Code.UNKNOWN, "failed to list processes: " + e.getMessage());
        }
        return response.build();
    }

    Empty closeIO(CloseIORequest request) throws TtrpcException {
        Container container = container(request.getId());
        noExecs(request.getExecId());
        if (request.getStdin()) {
            container.init().closeStdin();
        }
        return Empty.getDefaultInstance();
    }

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

    // --- exits --------------------------------------------------------------------------------------------------

    /** One exit from the reaper, on the single "exits" thread. */
    private void handleExit(Exit exit) {
        Container container;
        synchronized (pidLock) {
            container = byPid.get(exit.pid());
            if (container == null) {
                unclaimedExits.put(exit.pid(), exit);
                if (unclaimedExits.size() > MAX_UNCLAIMED_EXITS) {
                    unclaimedExits.remove(unclaimedExits.keySet().iterator().next());
                }
                return;
            }
        }
        InitProcess init = container.init();
        if (container.needsKillAllOnExit()) {
            try {
                container.runc().kill(container.id(), Posix.SIGKILL, true);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "kill --all after init exit of {0}: {1}", container.id(), e.getMessage());
            }
        }
        synchronized (container) {
            if (init.hasExited()) {
                return;
            }
            init.setExited(exit);
            publisher.publish(Topics.TASK_EXIT, TaskExit.newBuilder()
                    .setContainerId(container.id())
                    .setId(container.id())
                    .setPid(exit.pid())
                    .setExitStatus(exit.status())
                    .setExitedAt(Timestamps.of(exit.exitedAt()))
                    .build());
        }
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private Container container(String id) throws TtrpcException {
        Container container = containers.get(id);
        if (container == null) {
            throw new TtrpcException(Code.NOT_FOUND, "container not created: not found");
        }
        return container;
    }

    /** Exec'd processes come with the parity issue; until then an exec id names nothing. */
    private static void noExecs(String execId) throws TtrpcException {
        if (!execId.isEmpty()) {
            throw new TtrpcException(Code.NOT_FOUND, "process does not exist " + execId + ": not found");
        }
    }

    private static <Req extends com.google.protobuf.MessageLite> dev.jrunc.shim.ttrpc.UnaryMethod<Req, Empty> notYet(String method) {
        return request -> {
            throw new TtrpcException(Code.UNIMPLEMENTED, "jrunc: " + method + " is not implemented yet");
        };
    }
}
