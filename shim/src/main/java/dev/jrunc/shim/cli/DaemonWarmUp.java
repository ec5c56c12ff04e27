package dev.jrunc.shim.cli;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;

import dev.jrunc.shim.cgroups.Cgroups;
import dev.jrunc.shim.events.RemotePublisher;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.proto.events.Envelope;
import dev.jrunc.shim.proto.events.ForwardRequest;
import dev.jrunc.shim.proto.events.TaskCreate;
import dev.jrunc.shim.proto.events.TaskIO;
import dev.jrunc.shim.proto.task.CreateTaskRequest;
import dev.jrunc.shim.proto.task.CreateTaskResponse;
import dev.jrunc.shim.proto.types.Mount;
import dev.jrunc.shim.ttrpc.proto.KeyValue;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;

/**
 * {@code start}'s JVM works out containerd's answer on one core; meanwhile this thread readies, on the other, what
 * the daemon it becomes needs first: the native binding (jnr-ffi builds our {@code LibC}: about 50 ms), the
 * classes of the first Create, initialised (protobuf builds each .proto's descriptors in static initialisers), and
 * one pass over what Create does after {@code runc create}: the container's cgroup looked up (here our own), the
 * TaskCreate event built and wrapped as containerd's Forward call, a ttrpc request and answer encoded and decoded.
 * Those classes come ready-made from the class-data archive; initialising them one by one, about two hundred of
 * protobuf's among them, is what made the first Create slow.
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

    /** Messages like those of a container's first seconds, made and read back; nothing is sent anywhere. */
    private static void encodeAndDecode() throws Exception {
        CreateTaskRequest create = CreateTaskRequest.parseFrom(CreateTaskRequest.newBuilder().setId("warm-up")
                .setBundle("/").addRootfs(Mount.newBuilder().setType("overlay").setSource("overlay").addOptions("ro"))
                .setStdout("/").setOptions(Any.getDefaultInstance()).build().toByteArray());
        Timestamp now = Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000).build();
        TaskCreate event = TaskCreate.newBuilder().setContainerId(create.getId()).setBundle(create.getBundle())
                .addAllRootfs(create.getRootfsList()).setIo(TaskIO.newBuilder().setStdout(create.getStdout())).setPid(1).build();
        ForwardRequest forward = ForwardRequest.newBuilder().setEnvelope(Envelope.newBuilder().setTimestamp(now)
                .setNamespace("warm-up").setTopic("/tasks/create").setEvent(RemotePublisher.pack(event))).build();
        Request request = Request.parseFrom(Request.newBuilder().setService("warm-up").setMethod("Forward")
                .setPayload(forward.toByteString()).addMetadata(KeyValue.newBuilder().setKey("k").setValue("v")).build()
                .toByteArray());
        ForwardRequest.parseFrom(request.getPayload());
        Response.parseFrom(Response.newBuilder()
                .setPayload(CreateTaskResponse.newBuilder().setPid(1).build().toByteString()).build().toByteArray());
    }

    private static void run() {
        try {
            warmUp();
        } catch (Throwable e) {
            // Only a head start: the daemon meets the same problem on its own path, and reports it there.
        }
    }

    /** The work itself, in the caller's thread (a unit test checks that every step of it works). */
    static void warmUp() throws Exception {
        Posix.getpid();
        ClassLoader loader = DaemonWarmUp.class.getClassLoader();
        for (String name : CLASSES) {
            Class.forName(name, true, loader);
        }
        Cgroups.ofProcess(Posix.getpid());
        encodeAndDecode();
    }
}
