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
 * connection, and the shim keeps serving the next client and its container.
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
                    client.call("containerd.task.v3.Task", "State", ByteString.EMPTY, Duration.ofSeconds(5), java.util.Map.of()));
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
