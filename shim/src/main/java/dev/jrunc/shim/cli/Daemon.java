package dev.jrunc.shim.cli;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.events.RemotePublisher;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.ProcessTitle;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.task.TaskService;
import dev.jrunc.shim.ttrpc.Services;
import dev.jrunc.shim.ttrpc.TtrpcServer;

/**
 * The shim itself: the long-running process. It outlives {@code start}'s launcher (re-parented to pid 1) and
 * containerd restarts, and it is the parent of every container it runs.
 *
 * <p>It begins as {@code start}'s JVM ({@link StartCommand}: the socket is bound and containerd has its answer),
 * or, run by hand or by a test, with a listening socket on fd 3 or {@code -socket PATH}. Then, in order: look like
 * a shim in {@code ps}; send our log to the bundle's {@code log} FIFO; become a child subreaper (so container inits
 * become our children once runc exits); start the one reaper; connect the event publisher; serve the Task API.
 */
final class Daemon {
    private static final System.Logger LOG = System.getLogger("jrunc.shim");
    private static final int LISTENER_FD = 3;
    static final String TASK_V3 = "containerd.task.v3.Task";

    private Daemon() {
    }

    /** No action on the command line: the listener is fd 3 or {@code -socket}; events go to TTRPC_ADDRESS. */
    static int run(ShimFlags flags) throws Exception {
        String problem = startProblem(flags);
        if (!problem.isEmpty()) {
            // A person running the binary by hand, or a bad command line: say so, never half-start.
            System.err.println(ShimMode.current().binaryName() + ": " + problem);
            return 1;
        }
        ServerSocketChannel listener = flags.socket().isEmpty() ? inheritedListener() : bind(Path.of(flags.socket()));
        Advertisement advertisement = Advertisement.of(ShimMode.current(), flags, socketPath(listener)).publish();
        return serve(flags, listener, System.getenv().getOrDefault("TTRPC_ADDRESS", ""), advertisement);
    }

    /**
     * Serves the Task API on {@code listener} until containerd's Shutdown (per pod) or the end of the linger;
     * {@code advertisement} (already published: the socket listens) is withdrawn when we stop.
     */
    static int serve(ShimFlags flags, ServerSocketChannel listener, String ttrpcAddress, Advertisement advertisement)
            throws Exception {
        ShimMode mode = ShimMode.current();
        List<String> title = new ArrayList<>(List.of(mode.binaryName()));
        title.addAll(flags.daemonArguments());
        ProcessTitle.set(title);

        LogFifo log = new LogFifo(Path.of("").toAbsolutePath());   // started in the first container's bundle
        ShimLogging.toStderr(flags.debug(), flags.namespace(), mode.runtimeName());
        Posix.setChildSubreaper();
        Reaper reaper = Reaper.start();

        Publisher publisher = ttrpcAddress.isEmpty() ? Publisher.logging() : new RemotePublisher(ttrpcAddress, flags.namespace());

        CountDownLatch stop = new CountDownLatch(1);
        Runnable whenIdle = mode.exitsWhenIdle() ? stop::countDown
                : () -> LOG.log(System.Logger.Level.INFO, "no containers left; the shared shim stays up for its linger");
        TaskService tasks = new TaskService(flags.namespace(), reaper, publisher, whenIdle);
        tasks.whenBundles(log::created, log::done);
        Path socket = socketPath(listener);
        // containerd 2.x speaks containerd.task.v3.Task to a shim whose start answered version 3: the same messages
        // as v2 under another package name. Both stay served, whatever start answered (a later start may reuse us).
        TtrpcServer server = new TtrpcServer(tasks.register(new Services()).alias(TASK_V3, TaskService.SERVICE));
        server.start(listener);
        if (mode == ShimMode.SHARED) {
            endWhenIdle(tasks, server, ttrpcAddress, stop::countDown);
        }
        // Read after the server started: the listener is already taking containerd's calls.
        LOG.log(System.Logger.Level.INFO, "shim serving {0} (pid {1}, ready {2} ms after the process started; events to {3})",
                socket, String.valueOf(Posix.getpid()), ProcessAge.millis(), ttrpcAddress.isEmpty() ? "the log" : ttrpcAddress);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop(server, socket, advertisement, publisher);
            tasks.close();
        }, "shutdown"));
        stop.await();
        return 0;   // System.exit runs the shutdown hook
    }

    /** The shared shim's own end: after its linger without tasks, or when containerd is gone ({@link SharedLifetime}). */
    private static void endWhenIdle(TaskService tasks, TtrpcServer server, String ttrpcAddress, Runnable exit) {
        Duration linger = SharedLifetime.linger(System.getenv(SharedLifetime.LINGER_VARIABLE));
        SharedLifetime lifetime = new SharedLifetime(linger, tasks::hasContainers, () -> server.connectionCount() > 0, exit);
        tasks.whenTasksChange(lifetime::tasksChanged);
        lifetime.tasksChanged();
        if (ttrpcAddress != null && !ttrpcAddress.isEmpty()) {
            ContainerdWatch.start(ttrpcAddress, lifetime::containerdGone);
        }
    }

    /**
     * The same steps whether containerd asked (Shutdown, once the last container is gone) or someone sent
     * SIGTERM: stop serving (Shutdown's own answer still goes out), remove the socket, flush the events.
     */
    private static void stop(TtrpcServer server, Path socket, Advertisement advertisement, Publisher publisher) {
        LOG.log(System.Logger.Level.INFO, "shim shutting down");
        advertisement.withdraw();   // first, so no launcher sends new containers our way
        server.shutdown(java.time.Duration.ofSeconds(1));
        try {
            if (socket != null) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove socket {0}: {1}", socket, e.getMessage());
        }
        publisher.close();
    }

    /**
     * Why this command line cannot be the daemon, or "". Without a socket on fd 3 the JVM's own fd 3 (a jar, the
     * class archive) would be taken for the listener and closed under it.
     */
    static String startProblem(ShimFlags flags) {
        if (flags.namespace().isEmpty()) {
            return "shim namespace cannot be empty (containerd runs this program as `… start` or `… delete`;"
                    + " the shim itself is started by start, with -namespace, -id and -address)";
        }
        if (flags.socket().isEmpty() && !inheritedSocket()) {
            return "no listening socket on fd 3: the shim is started by `start` (or give -socket PATH)";
        }
        return "";
    }

    private static boolean inheritedSocket() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + LISTENER_FD)).toString().startsWith("socket:");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The JDK only adopts an inherited socket on fd 0 ({@link System#inheritedChannel()}); the contract (and
     * the Go shim) use fd 3. Move it over; fd 0 was /dev/null.
     */
    private static ServerSocketChannel inheritedListener() throws IOException {
        Posix.dup2(LISTENER_FD, 0);
        Posix.close(LISTENER_FD);
        Channel channel = System.inheritedChannel();
        if (!(channel instanceof ServerSocketChannel listener)) {
            throw new IOException("no listening socket on fd 3 (got " + channel + "); run through `start`, or pass -socket");
        }
        return listener;
    }

    static ServerSocketChannel bind(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel listener = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Posix.chmod(socket.toString(), 0600);
        return listener;
    }

    /** Where we listen (the socket file to remove when we stop), as the listening socket itself knows it. */
    private static Path socketPath(ServerSocketChannel listener) throws IOException {
        if (listener.getLocalAddress() instanceof UnixDomainSocketAddress address) {
            return address.getPath();
        }
        throw new IOException("the inherited socket is not a unix socket: " + listener.getLocalAddress());
    }
}
