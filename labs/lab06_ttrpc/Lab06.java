///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES Pieces.java
//SOURCES exercise/FrameReading.java
//SOURCES solution/FrameReading.java
//SOURCES exercise/AnswerStretch.java
//SOURCES solution/AnswerStretch.java
//DESCRIPTION Lab 06: ttrpc; frames on the wire, read the way ttrpc reads them, and a shim's answers.
package lab06_ttrpc;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.protobuf.ByteString;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.proto.task.StateResponse;
import dev.jrunc.shim.ttrpc.Frame;
import dev.jrunc.shim.ttrpc.FrameReader;
import dev.jrunc.shim.ttrpc.FrameTooLargeException;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.shim.ttrpc.TtrpcException;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;
import kit.Lab;
import kit.Out;
import kit.PrivateContainerd;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;
import kit.Wrap;

/**
 * Lab 06: containerd talks to a shim over ttrpc, a small RPC protocol on a unix socket: a 10-byte header, then a
 * protobuf {@code ttrpc.Request} naming service and method and carrying the method's message. We start a container
 * under our shim, find the shim's socket the way containerd does (the bundle's {@code address} file), and talk to it
 * frame by frame. Your part: the frame reader both sides of a ttrpc connection run, fed the real traffic in pieces.
 */
public final class Lab06 {
    static final String ID = "lab06";
    static final String NAMESPACE = "jrunc-lab06";
    static final String TASK = "containerd.task.v2.Task";
    /** What a lying header announces: 2 GiB, which a signed int reads as a negative number. */
    static final long LIE = 0x8000_0000L;

    /** What you write in exercise/FrameReading.java. */
    public interface Exercise {
        /**
         * Reads the next frame from {@code in}, a blocking channel whose read may return any part of what was sent.
         *
         * @return the frame; null if the channel ended cleanly between two frames (read returned -1 before a header)
         * @throws FrameTooLargeException if the header announces more than 4 MiB of data, once that data has been
         *                                read past, so that the next read starts at the next frame
         * @throws EOFException           if the channel ended inside a frame
         */
        Frame read(ReadableByteChannel in) throws IOException, FrameTooLargeException;
    }

    /** The handler your stretch's server calls: the shim's own services (reached, in this lab, through the shim). */
    public interface Handler {
        /** Runs the method; its response message as bytes, or a TtrpcException with the status to send. */
        ByteString call(String service, String method, ByteString payload) throws TtrpcException;
    }

    /** The stretch exercise, in exercise/AnswerStretch.java: a ttrpc server's side of a frame. */
    public interface Stretch {
        /** The response frame a unary ttrpc server sends for {@code frame}, or null when it sends none. */
        Frame answer(Frame frame, Handler handler);

        /** The response frame for a frame the reader read past because its data was over 4 MiB. */
        Frame answerTooLarge(FrameTooLargeException e);
    }

    public static void main(String[] args) {
        System.exit(Lab.run("06", "ttrpc", "labs/lab06_ttrpc/exercise/FrameReading.java", args, Lab06::ttrpc));
    }

    static void ttrpc(Lab lab) throws Exception {
        boolean solution = lab.solution();
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

        lab.step("2. One call by hand, its answer read by your read()");
        Frame request = Frame.request(1, stateRequest(ID).toByteArray());
        out.say("containerd's State call for " + ID + ", " + request + ":");
        out.output(request.hexdump());
        lab.say("Header: 00 00 00 29, the length of the data (41 bytes, big-endian); 00 00 00 01, the stream id (1: a",
                "client's streams are odd); 01, a request; 00, no flags. Data: a protobuf ttrpc.Request: 0a 17, field 1",
                "(service), 23 bytes; 12 05, field 2 (method), \"State\"; 1a 07, field 3 (payload), 7 bytes, which are",
                "themselves a StateRequest: 0a 05, field 1 (id), \"lab06\".");
        byte[] answerBytes;
        try (SocketChannel socket = dial(address)) {
            socket.write(ByteBuffer.wrap(request.encode()));
            answerBytes = framesOf(socket, 1);
        }
        Frame answer = reference(answerBytes).frames().get(0);
        StateResponse state = StateResponse.parseFrom(Response.parseFrom(answer.data()).getPayload());
        out.say("The shim's answer: " + Out.vary(answer.toString(), "Frame[stream=1, type=response, flags=0x00, length=<n>]")
                + ", a StateResponse: container " + state.getId() + ", pid " + state.getPid() + ", " + state.getStatus() + ".");
        lab.say("A socket is a stream of bytes: one read returns what has arrived, which may be part of a frame, or",
                "the end of one and the start of the next. The lab hands your read() the answer's bytes the way a busy",
                "socket may deliver them: at most a few bytes per read (" + Pieces.describe() + ").");
        expectSame(lab, solution, "the shim's answer", answerBytes, "your read() returns the answer frame, whole",
                "ttrpc reads a header in full (10 bytes) and then exactly its data: read() returns what has arrived so far,"
                        + " so both need a loop (FrameReader.readFully in the shim)", true);
        lab.passed("Your read() put the answer together from " + Pieces.readsFor(answerBytes.length)
                + " reads: the same frame as the shim's own FrameReader.");

        lab.step("3. Three frames in one go: an empty one, one of 5 MiB, a State call");
        int big = 5 << 20;
        java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
        sent.write(Frame.request(3, new byte[0]).encode());
        sent.write(ByteBuffer.allocate(Frame.HEADER_LENGTH).putInt(big).putInt(5).put((byte) Frame.TYPE_REQUEST).put((byte) 0).array());
        sent.write(new byte[big]);
        sent.write(Frame.request(7, stateRequest(ID).toByteArray()).encode());
        byte[] three = sent.toByteArray();
        lab.say("The lab sends the shim, in one write: a request with no data at all on stream 3; a header announcing",
                String.format("%,d bytes (over ttrpc's 4 MiB) on stream 5, and those bytes; State on stream 7.", big));
        Map<Integer, Response> answers = new TreeMap<>();
        try (SocketChannel socket = dial(address)) {
            writeAll(socket, three);
            for (Frame f : reference(framesOf(socket, 3)).frames()) {
                answers.put(f.streamId(), Response.parseFrom(f.data()));
            }
        }
        answers.forEach((stream, r) -> out.say("  answer on stream " + stream + ": " + (r.hasStatus()
                ? "code " + r.getStatus().getCode() + " (" + codeName(r.getStatus().getCode()) + "), \"" + r.getStatus().getMessage() + "\""
                : Out.vary("a StateResponse, " + r.getPayload().size() + " bytes", "a StateResponse, <n> bytes"))));
        lab.check(answers.keySet().equals(java.util.Set.of(3, 5, 7)) && answers.get(5).getStatus().getCode() == 8,
                "The shim answered all three, and the connection lives on after the oversized frame.",
                "No data is a valid frame (an empty Request: no service, so UNIMPLEMENTED). The 5 MiB were read past,",
                "not kept, and answered with RESOURCE_EXHAUSTED; reading went on at the next header.");
        lab.say("Now your read(), on the bytes the lab sent, in pieces again:");
        expectSame(lab, solution, "the three frames", three, "your read() tells the three frames apart as ttrpc does",
                "an empty frame is a frame (its data is 0 bytes, not the end); a frame over 4 MiB is read past in pieces"
                        + " (never allocated) and reported with FrameTooLargeException; the next read starts at the next header");
        lab.passed("Your read() returned the empty frame, read past the 5 MiB, and found the State call after them.");

        lab.step("4. A header that lies");
        byte[] lie = ByteBuffer.allocate(Frame.HEADER_LENGTH + 1024).putInt((int) LIE).putInt(9).put((byte) Frame.TYPE_REQUEST)
                .put((byte) 0).array();
        lab.say("A header announcing 80 00 00 00 bytes (2 GiB), then 1 KiB, then the lab closes its side of the",
                "connection. The shim reads past what comes, meets the end inside the frame, and hangs up:");
        boolean hungUp;
        try (SocketChannel socket = dial(address)) {
            socket.write(ByteBuffer.wrap(lie));
            socket.shutdownOutput();
            hungUp = socket.read(ByteBuffer.allocate(1)) == -1;
        }
        out.say("  the shim " + (hungUp ? "closed the connection without an answer" : "answered"));
        expectSame(lab, solution, "the lying header", lie, "your read() survives a header that lies",
                "the length is an unsigned 32-bit number (80 00 00 00 is 2 GiB, not a negative int), and announced data is"
                        + " never allocated: it is read past in pieces; the channel ends inside the frame, so EOFException");
        lab.check(hungUp, "Your read() read past the 1 KiB without allocating 2 GiB, and reported the end inside the frame.");

        lab.step("5. The shim is still there: Connect through the shim's own client");
        lab.say("TtrpcClient (shim/src/main/java/dev/jrunc/shim/ttrpc) does the framing, numbers the streams 1, 3, 5, ...",
                "and matches answers to calls: containerd's Connect, as it calls it after every (re)start:");
        out.command("TtrpcClient.connect(address).call(\"" + TASK + "\", \"Connect\", ConnectRequest{id: " + ID + "}, ...)");
        try (TtrpcClient client = TtrpcClient.connect(address)) {
            ConnectResponse connect = client.call(TASK, "Connect",
                    ConnectRequest.newBuilder().setId(ID).build(), ConnectResponse.parser(), Duration.ofSeconds(30));
            lab.pid(connect.getShimPid());
            lab.pid(connect.getTaskPid());
            out.output(connect.toString());
            lab.check(connect.getShimPid() == shim && connect.getTaskPid() == init,
                    "Connect says: shim pid " + connect.getShimPid() + ", task pid " + connect.getTaskPid() + "; the same as the process tree.",
                    "A broken or hostile peer costs its own connection, never the shim.");

            lab.stretch("a server's answers", "labs/lab06_ttrpc/exercise/AnswerStretch.java", (stretchLab, stretchSolution) ->
                    serverAnswers(stretchLab, stretchSolution ? new lab06_ttrpc.solution.AnswerStretch() : new lab06_ttrpc.exercise.AnswerStretch(),
                            address, client));
        }
    }

    /**
     * The stretch: the frames a server meets, sent to the real shim, and the same frames handed to your answer().
     * The answers must be the shim's, byte for byte where a client can tell.
     */
    private static void serverAnswers(Lab lab, Stretch yours, String address, TtrpcClient client) throws Exception {
        lab.say("Each frame below goes to the shim for real, and to your answer() with a handler that runs the shim's",
                "services (through the shim). Your answers must be the shim's.");
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
        List<Frame> frames = List.of(
                Frame.request(9, stateRequest(ID).toByteArray()),
                Frame.request(10, stateRequest(ID).toByteArray()),
                new Frame(11, Frame.TYPE_DATA, 0, stateRequest(ID).toByteArray()),
                Frame.request(13, garbage),
                Frame.request(15, Request.newBuilder().setService(TASK).setMethod("Statte")
                        .setPayload(StateRequest.newBuilder().setId(ID).build().toByteString()).build().toByteArray()),
                Frame.request(17, Request.newBuilder().setService("containerd.task.v9.Task").setMethod("State")
                        .setPayload(StateRequest.newBuilder().setId(ID).build().toByteString()).build().toByteArray()));
        List<String> what = List.of("State on stream 9", "State on an even stream, 10", "a data frame (type 3) on stream 11",
                "3 bytes that are no protobuf Request, stream 13", "method \"Statte\", stream 15", "service containerd.task.v9.Task, stream 17");
        Map<Integer, Frame> shims = new TreeMap<>();
        try (SocketChannel socket = dial(address)) {
            for (Frame f : frames) {
                socket.write(ByteBuffer.wrap(f.encode()));
            }
            // The data frame gets no answer; every other one does.
            for (Frame f : reference(framesOf(socket, frames.size() - 1)).frames()) {
                shims.put(f.streamId(), f);
            }
        }
        Handler handler = (service, method, payload) -> {
            try {
                return client.call(service, method, payload, Duration.ofSeconds(30), Map.of());
            } catch (IOException e) {
                throw new Lab.CannotRun("the shim's connection broke: " + e.getMessage());
            }
        };
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            Frame mine = shims.get(f.streamId());
            Frame theirs = yours.answer(f, handler);
            lab.out().say("- " + what.get(i) + ": the shim " + describe(mine) + "; yours " + (same(mine, theirs) ? "too" : describe(theirs)));
            if (!same(mine, theirs)) {
                throw fail(lab, "answer() answers " + what.get(i) + " as the shim does",
                        mine == null ? "no answer at all" : mine + ", " + describe(mine), theirs == null ? "no answer" : theirs + ", " + describe(theirs));
            }
        }
        FrameTooLargeException tooLarge = new FrameTooLargeException(19, 5L << 20);
        Frame mine;
        try (SocketChannel socket = dial(address)) {
            socket.write(ByteBuffer.wrap(ByteBuffer.allocate(Frame.HEADER_LENGTH).putInt(5 << 20).putInt(19).put((byte) 1).put((byte) 0).array()));
            writeAll(socket, new byte[5 << 20]);
            mine = reference(framesOf(socket, 1)).frames().get(0);
        }
        Frame theirs = yours.answerTooLarge(tooLarge);
        lab.out().say("- 5 MiB on stream 19: the shim " + describe(mine) + "; yours " + (same(mine, theirs) ? "too" : describe(theirs)));
        if (!same(mine, theirs)) {
            throw fail(lab, "answerTooLarge() answers as the shim does", mine + ", " + describe(mine),
                    theirs == null ? "no answer" : theirs + ", " + describe(theirs));
        }
        lab.passed("Your server answers every one of them as the shim does: same stream, same status code, same payload.",
                "Compare with the shim's ttrpc/ServerConnection.java (receive, handle, failure): it also answers on a",
                "worker thread, so that a Wait that blocks for a container's whole life blocks nothing else.");
    }

    // ---- comparing your reader with the shim's ---------------------------------------------------------------------

    /** What a reader made of a stream of bytes: its frames and reports, in order, and how it ended. */
    record Outcome(List<String> steps, List<Frame> frames) {
        @Override
        public String toString() {
            return steps.size() <= 5 ? String.join("; ", steps)
                    : String.join("; ", steps.subList(0, 4)) + "; … (" + (steps.size() - 4) + " more)";
        }
    }

    /** The shim's own FrameReader on the bytes (whole, it reads the same as in pieces). */
    static Outcome reference(byte[] bytes) {
        FrameReader reader = new FrameReader(new Pieces(bytes));
        return readAll(() -> reader.read());
    }

    interface Read {
        Frame read() throws Exception;
    }

    /** Calls read until the end or an exception other than FrameTooLargeException; at most 10 times. */
    static Outcome readAll(Read read) {
        List<String> steps = new ArrayList<>();
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            try {
                Frame f = read.read();
                if (f == null) {
                    steps.add("null (the end)");
                    break;
                }
                frames.add(f);
                steps.add(f.toString());
            } catch (FrameTooLargeException e) {
                steps.add("FrameTooLargeException(stream " + e.streamId() + ", " + e.length() + " bytes)");
            } catch (EOFException e) {
                steps.add("EOFException");
                break;
            } catch (Exception | Error e) {
                steps.add("threw " + e + where(e));
                break;
            }
        }
        return new Outcome(steps, frames);
    }

    /** Your read() on {@code bytes} in pieces, compared with the shim's FrameReader on the same bytes. */
    private static void expectSame(Lab lab, boolean solution, String what, byte[] bytes, String claim, String hint) throws Exception {
        expectSame(lab, solution, what, bytes, claim, hint, false);
    }

    /** @param lengthsVary the frames' lengths differ between runs (they hold a pid): the book shows {@code <n>} */
    private static void expectSame(Lab lab, boolean solution, String what, byte[] bytes, String claim, String hint,
                                   boolean lengthsVary) throws Exception {
        Outcome shims = reference(bytes);
        Exercise reader = solution ? new lab06_ttrpc.solution.FrameReading() : new lab06_ttrpc.exercise.FrameReading();
        Pieces pieces = new Pieces(bytes);
        Outcome yours = bounded(lab, claim, () -> readAll(() -> reader.read(pieces)));
        String said = yours.toString();
        lab.out().say("  your read(), called until the end: " + (lengthsVary ? Out.vary(said, said.replaceAll("length=\\d+", "length=<n>")) : said));
        if (!yours.steps().equals(shims.steps())) {
            throw fail(lab, claim, shims.toString(), yours + ". Hint: " + hint);
        }
    }

    /** Runs your reader on a thread of its own: one that loops for ever ends in a claim, not a hung lab. */
    private static Outcome bounded(Lab lab, String claim, java.util.concurrent.Callable<Outcome> body) throws Exception {
        java.util.concurrent.FutureTask<Outcome> task = new java.util.concurrent.FutureTask<>(body);
        Thread thread = new Thread(task, "your-read");
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw fail(lab, claim, "read() returns within milliseconds",
                    "still running after 20 s: does it read on when the channel returns 0, or after it returned -1?");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** " (at FrameReading.java:42)" for the first line of an exercise or solution the exception passed. */
    private static String where(Throwable e) {
        for (StackTraceElement f : e.getStackTrace()) {
            if (f.getClassName().startsWith("lab06_ttrpc.exercise.") || f.getClassName().startsWith("lab06_ttrpc.solution.")) {
                return " (at " + f.getFileName() + ":" + f.getLineNumber() + ")";
            }
        }
        return "";
    }

    // ---- the wire -------------------------------------------------------------------------------------------------

    static Request stateRequest(String id) {
        return Request.newBuilder().setService(TASK).setMethod("State")
                .setPayload(StateRequest.newBuilder().setId(id).build().toByteString()).build();
    }

    private static SocketChannel dial(String address) throws IOException {
        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        socket.connect(UnixDomainSocketAddress.of(address.replaceFirst("^unix://", "")));
        return socket;
    }

    private static void writeAll(SocketChannel socket, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            socket.write(buffer);
        }
    }

    /** The bytes of the next {@code count} frames from the socket, read with the shim's reader. */
    private static byte[] framesOf(SocketChannel socket, int count) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        FrameReader reader = new FrameReader(socket);
        for (int i = 0; i < count; i++) {
            try {
                Frame f = reader.read();
                if (f == null) {
                    throw new Lab.CannotRun("the shim closed the connection after " + i + " of " + count + " answers");
                }
                bytes.write(f.encode());
            } catch (FrameTooLargeException e) {
                throw new Lab.CannotRun("the shim sent an answer over 4 MiB: " + e.getMessage());
            }
        }
        return bytes.toByteArray();
    }

    private static boolean same(Frame shims, Frame yours) {
        return shims == null ? yours == null : yours != null && shims.equals(yours) || sameButMessage(shims, yours);
    }

    /** Equal but for the status message, which people read and clients do not act on. */
    private static boolean sameButMessage(Frame a, Frame b) {
        if (a == null || b == null || a.streamId() != b.streamId() || a.type() != b.type() || a.flags() != b.flags()) {
            return false;
        }
        try {
            Response x = Response.parseFrom(a.data());
            Response y = Response.parseFrom(b.data());
            return x.hasStatus() && y.hasStatus() && x.getStatus().getCode() == y.getStatus().getCode()
                    && x.getPayload().equals(y.getPayload());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    private static String describe(Frame f) {
        if (f == null) {
            return "sends no answer";
        }
        if (f.type() != Frame.TYPE_RESPONSE) {
            return "sends a frame of type " + Frame.typeName(f.type()) + " on stream " + Integer.toUnsignedString(f.streamId());
        }
        try {
            Response r = Response.parseFrom(f.data());
            String on = "on stream " + Integer.toUnsignedString(f.streamId());
            if (!r.hasStatus()) {
                return "answers " + on + " with no status (success), payload " + Out.vary(r.getPayload().size() + " bytes", "<n> bytes");
            }
            String message = r.getStatus().getMessage();
            return "answers " + on + " with code " + r.getStatus().getCode() + " (" + codeName(r.getStatus().getCode()) + ") \""
                    + (message.length() > 60 ? message.substring(0, 57) + "…" : message) + "\""
                    + (r.getPayload().isEmpty() ? "" : " and a payload");
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return "sends " + f.data().length + " bytes that are no ttrpc Response";
        }
    }

    private static String codeName(int code) {
        return switch (code) {
            case 0 -> "OK";
            case 2 -> "UNKNOWN";
            case 3 -> "INVALID_ARGUMENT";
            case 5 -> "NOT_FOUND";
            case 8 -> "RESOURCE_EXHAUSTED";
            case 12 -> "UNIMPLEMENTED";
            default -> "code " + code;
        };
    }

    private static Lab.ClaimFailed fail(Lab lab, String claim, String expected, String actual) {
        return lab.fail(claim, Wrap.claim(expected), Wrap.claim(actual));
    }
}
