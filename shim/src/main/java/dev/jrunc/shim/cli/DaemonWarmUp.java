package dev.jrunc.shim.cli;

import dev.jrunc.shim.posix.Posix;

/**
 * {@code start}'s JVM works out containerd's answer on one core; meanwhile this thread readies, on the other, what
 * the daemon it becomes needs first: the native binding (jnr-ffi builds our {@code LibC}: about 50 ms) and the
 * classes of the first Create, initialised (protobuf builds each .proto's descriptors in static initialisers).
 *
 * <p>Nothing here has an effect outside the JVM, and nothing waits for it: the answer goes out when it is ready,
 * and the daemon's first use of a class still being initialised here waits for that one class (the JVM's class
 * initialisation lock). If this JVM turns out not to be needed (a shim already serves the pod), it exits with this
 * thread unfinished: a daemon thread does not hold it up.
 */
final class DaemonWarmUp {
    /** The daemon's start-up, then the calls of a container's first seconds, in the order they come. */
    private static final String[] CLASSES = {
        "dev.jrunc.shim.cli.Daemon",
        "dev.jrunc.shim.cli.ShimLogging",
        "dev.jrunc.shim.reaper.Reaper",
        "dev.jrunc.shim.events.RemotePublisher",
        "dev.jrunc.shim.task.TaskService",
        "dev.jrunc.shim.ttrpc.TtrpcServer",
        "dev.jrunc.shim.proto.task.ConnectRequest",
        "dev.jrunc.shim.proto.task.CreateTaskRequest",
        "dev.jrunc.shim.proto.task.CreateTaskResponse",
        "dev.jrunc.shim.proto.events.TaskCreate",
        "dev.jrunc.shim.task.Container",
        "dev.jrunc.shim.process.InitProcess",
        "dev.jrunc.shim.runc.Runc",
        "dev.jrunc.shim.stdio.PipeIO",
        "dev.jrunc.shim.stdio.Pump",
        "dev.jrunc.shim.cgroups.OomWatcher",
        "dev.jrunc.shim.proto.task.StartRequest",
        "dev.jrunc.shim.proto.events.TaskStart",
        "dev.jrunc.shim.proto.task.WaitRequest",
        "dev.jrunc.shim.proto.task.DeleteRequest",
        "dev.jrunc.shim.proto.events.TaskExit",
        "dev.jrunc.shim.proto.events.TaskDelete",
    };

    private DaemonWarmUp() {
    }

    static void inBackground() {
        Thread thread = new Thread(DaemonWarmUp::run, "warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run() {
        try {
            Posix.getpid();
            ClassLoader loader = DaemonWarmUp.class.getClassLoader();
            for (String name : CLASSES) {
                Class.forName(name, true, loader);
            }
        } catch (Throwable e) {
            // Only a head start: the daemon meets the same problem on its own path, and reports it there.
        }
    }
}
