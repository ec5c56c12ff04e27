package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.shim.ttrpc.TtrpcException;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Bad input on a live shim's socket — while it runs a container for containerd — gets an error or a closed
 * connection, and the shim keeps serving the next client and its container. Also drills: a client that sends and
 * never reads its answers, 100 idle connections, the socket's mode, and a peer running as another user.
 */
@WithPrivateContainerd
class HostileInputIT {
    private static final String TASK = "containerd.task.v2.Task";
    private static final String ID = "hostile";
    private static Path socket;

    @BeforeAll
    static void runAContainer(Containerd containerd) {
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, ID, "sleep", "600").assertOk();
        socket = containerd.shimSocket(ID);
    }

    @AfterAll
    static void removeIt(Containerd containerd) {
        containerd.ctr("task", "kill", "-s", "SIGKILL", ID);
        containerd.ctr("task", "rm", "-f", ID);
        containerd.ctr("container", "rm", ID);
    }

    @Test
    void aLengthOverFourMegabytesIsResourceExhausted(Containerd containerd) throws Exception {
        try (SocketChannel raw = connect()) {
            // header claims 5 MiB; the body follows in full, so the shim can skip it and stay in step
            ByteBuffer frame = ByteBuffer.allocate(10 + 5 * 1024 * 1024);
            frame.putInt(5 * 1024 * 1024).putInt(1).put((byte) 1).put((byte) 0);
            frame.position(frame.capacity()).flip();
            writeAll(raw, frame);
            Response response = readResponse(raw, 1);
            assertEquals(Code.RESOURCE_EXHAUSTED.value(), response.getStatus().getCode(), response.toString());
            // the same connection still serves a proper call
            writeAll(raw, request(3, "Connect", ConnectRequest.newBuilder().setId(ID).build().toByteString()));
            assertEquals(0, readResponse(raw, 3).getStatus().getCode());
        }
        assertStillServing(containerd);
    }

    @Test
    void garbageInsteadOfARequestIsInvalidArgument(Containerd containerd) throws Exception {
        try (SocketChannel raw = connect()) {
            byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02, 0x03};
            ByteBuffer frame = ByteBuffer.allocate(10 + garbage.length);
            frame.putInt(garbage.length).putInt(5).put((byte) 1).put((byte) 0).put(garbage).flip();
            writeAll(raw, frame);
            assertEquals(Code.INVALID_ARGUMENT.value(), readResponse(raw, 5).getStatus().getCode());
        }
        assertStillServing(containerd);
    }

    @Test
    void garbageInsideAKnownMethodIsInvalidArgument(Containerd containerd) throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
            TtrpcException e = org.junit.jupiter.api.Assertions.assertThrows(TtrpcException.class, () ->
                    client.call(TASK, "State", ByteString.copyFrom(new byte[] {(byte) 0x0a, (byte) 0x7f}), Duration.ofSeconds(5), java.util.Map.of()));
            assertEquals(Code.INVALID_ARGUMENT, e.code(), e.getMessage());
        }
        assertStillServing(containerd);
    }

    @Test
    void unknownMethodsAndServicesAreUnimplemented(Containerd containerd) throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
            TtrpcException method = org.junit.jupiter.api.Assertions.assertThrows(TtrpcException.class, () ->
                    client.call(TASK, "Bogus", ByteString.EMPTY, Duration.ofSeconds(5), java.util.Map.of()));
            assertEquals(Code.UNIMPLEMENTED, method.code());
            TtrpcException service = org.junit.jupiter.api.Assertions.assertThrows(TtrpcException.class, () ->
                    // (containerd.task.v3.Task is served: containerd 2.x speaks it after a version 3 bootstrap)
                    client.call("containerd.task.v9.Task", "State", ByteString.EMPTY, Duration.ofSeconds(5), java.util.Map.of()));
            assertEquals(Code.UNIMPLEMENTED, service.code());
        }
        assertStillServing(containerd);
    }

    @Test
    void aTruncatedHeaderOrRandomBytesOnlyCloseThatConnection(Containerd containerd) throws Exception {
        try (SocketChannel raw = connect()) {
            writeAll(raw, ByteBuffer.wrap(new byte[] {0, 0, 0}));
        }
        try (SocketChannel raw = connect()) {
            byte[] noise = new byte[4096];
            new java.util.Random(42).nextBytes(noise);
            noise[0] = 0;   // a plausible length, then nonsense
            writeAll(raw, ByteBuffer.wrap(noise));
        }
        assertStillServing(containerd);
    }

    @Test
    void anUnknownContainerIsNotFound(Containerd containerd) throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
            TtrpcException e = org.junit.jupiter.api.Assertions.assertThrows(TtrpcException.class, () ->
                    client.call(TASK, "State", StateRequest.newBuilder().setId("nope").build(),
                            dev.jrunc.shim.proto.task.StateResponse.parser(), Duration.ofSeconds(5)));
            assertEquals(Code.NOT_FOUND, e.code());
            assertEquals("container not created: not found", e.getMessage());
        }
        assertStillServing(containerd);
    }

    @Test
    void aClientThatSendsButNeverReadsCostsOnlyItsOwnConnection(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("hostile-never-reads");
        long shim = Procs.ppid(Procs.taskPid(containerd, ID));
        ProcessSample before = ProcessSample.of(shim);
        int requests = 3000;
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> ended = new java.util.concurrent.atomic.AtomicReference<>("still open");
        ProcessSample during;
        long stateMillis;
        try (SocketChannel raw = connect()) {
            Thread sender = new Thread(() -> {
                ByteString state = StateRequest.newBuilder().setId(ID).build().toByteString();
                try {
                    for (int i = 0; i < requests; i++) {
                        writeAll(raw, request(2 * i + 1, "State", state));
                        sent.incrementAndGet();
                    }
                } catch (IOException e) {
                    ended.set("closed by the shim (" + e.getClass().getSimpleName() + ")");
                }
            }, "never-reads");
            sender.setDaemon(true);
            sender.start();
            // it sends until done, or until the shim stops reading from it (then its writes block): both settle.
            // About time itself: a blocked write shows nowhere but in the count not moving for a second (3000
            // requests bound the loop).
            int last = -1;
            while (sender.isAlive() && sent.get() != last) {
                last = sent.get();
                Thread.sleep(1000);
            }
            during = ProcessSample.of(shim);
            long started = System.nanoTime();
            assertStillServing(containerd);
            stateMillis = DrillReport.millisSince(started);
        }
        Procs.await("the shim let go of the client that never read", () -> ProcessSample.of(shim).sockets() <= before.sockets());
        ProcessSample after = ProcessSample.of(shim);
        report.line("a client sent %d of %d State requests without reading an answer; its connection: %s", sent.get(), requests, ended.get());
        report.line("shim threads: before %d, while it was connected %d, after it left %d", before.threads(), during.threads(), after.threads());
        report.line("meanwhile a fresh client was served (Connect, then ctr task ls) in %d ms", stateMillis);
        assertTrue(during.threads() <= before.threads() + 64,
                "the hostile client must not pile up threads in the shim: " + before + " → " + during);
    }

    @Test
    void aHundredIdleConnectionsDoNotStopTheShim(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("hostile-idle-connections");
        long shim = Procs.ppid(Procs.taskPid(containerd, ID));
        ProcessSample before = ProcessSample.of(shim);
        java.util.List<SocketChannel> idle = new java.util.ArrayList<>();
        ProcessSample during;
        long servedMillis;
        try {
            for (int i = 0; i < 100; i++) {
                idle.add(connect());
            }
            Procs.await("the shim accepted the 100 idle connections", () -> ProcessSample.of(shim).sockets() >= before.sockets() + 100);
            during = ProcessSample.of(shim);
            long started = System.nanoTime();
            assertStillServing(containerd);
            servedMillis = DrillReport.millisSince(started);
        } finally {
            for (SocketChannel channel : idle) {
                channel.close();
            }
        }
        Procs.await("the shim let go of the idle connections", () -> ProcessSample.of(shim).sockets() <= before.sockets()
                && ProcessSample.of(shim).threads() <= before.threads() + 4);
        ProcessSample after = ProcessSample.of(shim);
        report.line("100 idle connections: shim before %s", before);
        report.line("while they were open: %s; a fresh client served in %d ms", during, servedMillis);
        report.line("after they closed: %s", after);
        assertEquals(before.sockets(), after.sockets(), "the shim closed its side of every idle connection");
    }

    @Test
    void theSocketIsTheOwnersOnlyAndAnotherUserIsRefused(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("hostile-other-user");
        String mode = java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(socket));
        byte[] connect = frameBytes(request(1, "Connect", ConnectRequest.newBuilder().setId(ID).build().toByteString()));
        String direct = PeerProbe.asNobody(containerd.dir(), socket, connect);
        // Past the file's mode, the shim itself must refuse: the same socket through a link anyone may use
        java.nio.file.Path link = containerd.dir().resolve("open-door.sock");
        String throughLink;
        try {
            java.nio.file.Files.createLink(link, socket);
            java.nio.file.Files.setPosixFilePermissions(link, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            throughLink = PeerProbe.asNobody(containerd.dir(), link, connect);
        } finally {
            java.nio.file.Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            java.nio.file.Files.deleteIfExists(link);
        }
        String asRoot = PeerProbe.asThisUser(containerd.dir(), socket, connect);
        report.line("socket %s mode %s", socket, mode);
        report.line("uid 65534 on the socket's own path: %s", direct);
        report.line("uid 65534 through a world-writable link to it: %s", throughLink);
        report.line("root, the same probe: %s", asRoot);
        assertEquals("rw-------", mode);
        assertTrue(direct.startsWith("denied"), direct);
        assertTrue(throughLink.startsWith("closed"), "the shim hangs up on another user: " + throughLink);
        assertTrue(asRoot.startsWith("answered"), "the probe itself works: " + asRoot);
        assertStillServing(containerd);
    }

    /** A fresh client is served, and containerd still sees the container running. */
    private static void assertStillServing(Containerd containerd) throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
            ConnectResponse connect = client.call(TASK, "Connect", ConnectRequest.newBuilder().setId(ID).build(),
                    ConnectResponse.parser(), Duration.ofSeconds(5));
            assertTrue(connect.getTaskPid() > 0, connect.toString());
        }
        assertEquals("RUNNING", Procs.taskStatus(containerd, ID));
    }

    private static SocketChannel connect() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    private static ByteBuffer request(int stream, String method, ByteString payload) {
        byte[] body = Request.newBuilder().setService(TASK).setMethod(method).setPayload(payload).build().toByteArray();
        ByteBuffer frame = ByteBuffer.allocate(10 + body.length);
        frame.putInt(body.length).putInt(stream).put((byte) 1).put((byte) 0).put(body).flip();
        return frame;
    }

    private static byte[] frameBytes(ByteBuffer frame) {
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        return bytes;
    }

    private static void writeAll(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static Response readResponse(SocketChannel channel, int expectedStream) throws IOException {
        ByteBuffer header = readExactly(channel, 10);
        int length = header.getInt();
        int stream = header.getInt();
        assertEquals(expectedStream, stream, "stream id of the answer");
        assertEquals(2, header.get(), "a response frame");
        return Response.parseFrom(readExactly(channel, length));
    }

    private static ByteBuffer readExactly(SocketChannel channel, int n) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(n);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("connection closed after " + buffer.position() + " of " + n + " bytes");
            }
        }
        return buffer.flip();
    }
}
