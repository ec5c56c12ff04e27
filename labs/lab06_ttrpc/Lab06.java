///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/StateCall.java
//SOURCES solution/StateCall.java
//DESCRIPTION Lab 06: ttrpc; the frame on the wire, and a hand-written call to our shim's State.
package lab06_ttrpc;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.StateResponse;
import dev.jrunc.shim.ttrpc.Frame;
import dev.jrunc.shim.ttrpc.FrameReader;
import dev.jrunc.shim.ttrpc.FrameWriter;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.shim.ttrpc.proto.Response;
import kit.Lab;
import kit.Out;
import kit.PrivateContainerd;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;

/**
 * Lab 06: containerd talks to a shim over ttrpc, a small RPC protocol on a unix socket: a 10-byte header, then a
 * protobuf {@code ttrpc.Request} naming service and method and carrying the method's message. We start a container
 * under our shim, find the shim's socket the way containerd does (the bundle's {@code address} file), and call
 * State ourselves: first byte by byte (your code), then with the shim's own {@link TtrpcClient}.
 */
public final class Lab06 {
    static final String ID = "lab06";
    static final String NAMESPACE = "jrunc-lab06";

    /** What you write in exercise/StateCall.java. */
    public interface Exercise {
        /** The frame that asks {@code containerd.task.v2.Task/State} about container {@code id}. */
        Frame stateRequest(String id);
    }

    public static void main(String[] args) {
        System.exit(Lab.run("06", "ttrpc", "labs/lab06_ttrpc/exercise/StateCall.java", args, Lab06::ttrpc));
    }

    static void ttrpc(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab06_ttrpc.solution.StateCall() : new lab06_ttrpc.exercise.StateCall();
        Out out = lab.out();
        int self = lab.pid(Posix.getpid());
        Path launcher = lab.repo().resolve("shim/target/containerd-shim-jrunc-v2");
        if (!Files.isExecutable(launcher)) {
            throw new Lab.CannotRun(launcher + " is missing: build the shim first (./verify.sh build)");
        }

        lab.step("1. A container under our shim");
        Path rootfs = RuncBundle.busyboxRootfs(lab);
        PrivateContainerd containerd = PrivateContainerd.start(lab, NAMESPACE);
        List<String> run = containerd.runArgs(PrivateContainerd.JAVA_SHIM, ID, rootfs, List.of("-d"), List.of("sleep", "600"));
        out.command(PrivateContainerd.shown(run.toArray(String[]::new)));
        var started = containerd.ctr(run.toArray(String[]::new));
        if (!started.ok()) {
            throw new Lab.CannotRun("ctr run with our shim failed: " + started.combined());
        }
        Path bundle = containerd.bundle(ID);
        int init = Integer.parseInt(Files.readString(bundle.resolve("init.pid")).trim());
        int shim = lab.pid(Procs.ppid(init));   // named first: the book numbers the shim before its child
        lab.pid(init);
        lab.await("the container's init (pid " + init + ") runs sleep", () -> Procs.settled(init, "sleep"));
        String address = Files.readString(bundle.resolve("address")).trim();
        out.command("cat " + bundle.resolve("address"));
        out.output(address);
        lab.say("`start` wrote that address into the bundle; containerd dialled it, and so do we: a unix socket whose",
                "name is the sha256 of containerd's address, the namespace and the container (or pod) id.");
        lab.show(ProcessTree.titled("containerd, our shim, the container, and this lab as a client").init()
                .show(containerd.pid(), Kind.CONTAINERD, "containerd")
                .show(shim, Kind.SHIM, "our shim (java)")
                .show(init, Kind.CONTAINER, "container init")
                .show(self, Kind.LAB, "this lab: a ttrpc client", "java … lab06_ttrpc.Lab06"));

        lab.step("2. One frame out: your stateRequest()");
        Frame request = yours.stateRequest(ID);
        out.say("request " + request + ":");
        out.output(request.hexdump());
        Frame answer;
        try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.connect(UnixDomainSocketAddress.of(address.replaceFirst("^unix://", "")));
            new FrameWriter(socket).write(request);
            answer = new FrameReader(socket).read();
        }
        if (answer == null) {
            throw lab.fail("The shim answers the frame", "a response frame", "the shim closed the connection without answering");
        }
        Response response = Response.parseFrom(answer.data());
        out.say("response on stream " + answer.streamId() + ", type " + Frame.typeName(answer.type()) + ", "
                + Out.vary(answer.data().length + " bytes of data (below)", "<n> bytes of data (they hold the pid: they differ per run)"));
        System.out.print(answer.hexdump().indent(4));
        if (response.hasStatus() && response.getStatus().getCode() != 0) {
            throw lab.fail("The shim answers State with status OK",
                    "a Response without an error status, carrying a StateResponse for " + ID,
                    "error code " + response.getStatus().getCode() + ": \"" + response.getStatus().getMessage() + "\"");
        }
        StateResponse state = StateResponse.parseFrom(response.getPayload());
        lab.check(answer.streamId() == request.streamId() && state.getId().equals(ID) && state.getPid() == init,
                "The shim answered on the same stream id (" + answer.streamId() + "): container " + state.getId()
                        + ", pid " + state.getPid() + ", status " + state.getStatus() + ".",
                "Header: length of the data (4 bytes, big-endian), stream id (4), type (1 = request, 2 = response),",
                "flags (1). Data: a protobuf ttrpc.Request {1: service, 2: method, 3: payload = the StateRequest bytes,",
                "4: timeout_nano} going out; a ttrpc.Response {1: status (only on error), 2: payload} coming back.");

        lab.step("3. The same with the shim's own client");
        lab.say("TtrpcClient (shim/src/main/java/dev/jrunc/shim/ttrpc) does the framing, numbers the streams 1, 3, 5, ...",
                "and matches answers to calls: containerd's Connect, as it calls it after every (re)start:");
        out.command("TtrpcClient.connect(address).call(\"containerd.task.v2.Task\", \"Connect\", ConnectRequest{id: " + ID + "}, ...)");
        try (TtrpcClient client = TtrpcClient.connect(address)) {
            ConnectResponse connect = client.call("containerd.task.v2.Task", "Connect",
                    ConnectRequest.newBuilder().setId(ID).build(), ConnectResponse.parser(), Duration.ofSeconds(30));
            lab.pid(connect.getShimPid());
            lab.pid(connect.getTaskPid());
            out.output(connect.toString());
            lab.check(connect.getShimPid() == shim && connect.getTaskPid() == init,
                    "Connect says: shim pid " + connect.getShimPid() + ", task pid " + connect.getTaskPid() + "; the same as the process tree.");
        }
    }
}
