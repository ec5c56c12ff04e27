package dev.jrunc.shim.ttrpc;

import static dev.jrunc.shim.ttrpc.WireVectors.CONNECT_PAYLOAD;
import static dev.jrunc.shim.ttrpc.WireVectors.CONNECT_RESPONSE_PAYLOAD;
import static dev.jrunc.shim.ttrpc.WireVectors.ERROR_RESPONSE_BODY;
import static dev.jrunc.shim.ttrpc.WireVectors.NOT_CREATED;
import static dev.jrunc.shim.ttrpc.WireVectors.REQUEST_FRAME;
import static dev.jrunc.shim.ttrpc.WireVectors.RESPONSE_FRAME;
import static dev.jrunc.shim.ttrpc.WireVectors.bytes;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.StringValue;
import dev.jrunc.shim.ttrpc.proto.KeyValue;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client against a hand-driven fake server, so every byte it sends and receives is ours to choose. */
@Timeout(10)
class TtrpcClientTest {

    private static final Duration WAIT = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private ServerSocketChannel listener;
    private TtrpcClient client;
    private RawPeer server;
    private final ExecutorService background = Executors.newCachedThreadPool();

    @BeforeEach
    void connect() throws IOException {
        Path path = dir.resolve("fake.sock");
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path));
        client = TtrpcClient.connect("unix://" + path);
        server = new RawPeer(listener.accept());
    }

    @AfterEach
    void disconnect() throws IOException {
        client.close();
        server.close();
        listener.close();
        background.shutdownNow();
    }

    private Future<ByteString> callInBackground(String method, ByteString payload, Duration timeout) {
        return background.submit(() -> client.call("test.Svc", method, payload, timeout, null));
    }

    private Request receiveRequest() throws IOException {
        return Request.parseFrom(server.receive().data());
    }

    @Test
    void sendsTheSameBytesAsContainerdAndReadsItsAnswer() throws Exception {
        Future<ByteString> first = callInBackground("Warmup", ByteString.EMPTY, null);
        assertEquals(1, server.receive().streamId());
        server.send(Frame.response(1, new byte[0]));
        assertEquals(ByteString.EMPTY, first.get(3, SECONDS));

        // The second call uses stream 3, like the captured Connect.
        Future<ByteString> connect = background.submit(() -> client.call(
                "containerd.task.v2.Task", "Connect", ByteString.copyFrom(CONNECT_PAYLOAD), null, Map.of()));
        assertArrayEquals(REQUEST_FRAME, server.receive().encode());
        server.sendBytes(RESPONSE_FRAME);

        assertArrayEquals(CONNECT_RESPONSE_PAYLOAD, connect.get(3, SECONDS).toByteArray());
    }

    @Test
    void streamIdsAreOddAndIncreasing() throws Exception {
        for (int expected = 1; expected <= 9; expected += 2) {
            Future<ByteString> call = callInBackground("M", ByteString.EMPTY, null);
            Frame frame = server.receive();
            assertEquals(expected, frame.streamId());
            assertEquals(Frame.TYPE_REQUEST, frame.type());
            assertEquals(0, frame.flags());
            server.send(Frame.response(frame.streamId(), new byte[0]));
            call.get(3, SECONDS);
        }
    }

    @Test
    void sendsTimeoutAndMetadata() throws Exception {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("containerd-namespace", "k8s.io");
        metadata.put("traceparent", "00-abc");
        Future<ByteString> call = background.submit(() -> client.call(
                "test.Svc", "M", ByteString.copyFromUtf8("payload"), Duration.ofMillis(2500), metadata));

        Request request = receiveRequest();

        assertEquals("test.Svc", request.getService());
        assertEquals("M", request.getMethod());
        assertEquals(ByteString.copyFromUtf8("payload"), request.getPayload());
        assertEquals(2_500_000_000L, request.getTimeoutNano());
        assertEquals(List.of(
                KeyValue.newBuilder().setKey("containerd-namespace").setValue("k8s.io").build(),
                KeyValue.newBuilder().setKey("traceparent").setValue("00-abc").build()),
                request.getMetadataList());
        server.send(Frame.response(1, new byte[0]));
        call.get(3, SECONDS);
    }

    @Test
    void noTimeoutSendsZero() throws Exception {
        callInBackground("A", ByteString.EMPTY, null);
        callInBackground("B", ByteString.EMPTY, Duration.ZERO);

        assertEquals(0, receiveRequest().getTimeoutNano());
        assertEquals(0, receiveRequest().getTimeoutNano());
    }

    @Test
    void answersInAnyOrderReachTheirOwnCallers() throws Exception {
        int calls = 10;
        List<Future<ByteString>> answers = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            answers.add(callInBackground("Echo", ByteString.copyFromUtf8("call " + i), null));
        }
        Map<Integer, ByteString> payloadByStream = new HashMap<>();
        for (int i = 0; i < calls; i++) {
            Frame frame = server.receive();
            payloadByStream.put(frame.streamId(), Request.parseFrom(frame.data()).getPayload());
        }

        List<Integer> streams = new ArrayList<>(payloadByStream.keySet());
        streams.sort((a, b) -> Integer.compare(b, a)); // answer newest first
        for (int stream : streams) {
            Response echo = Response.newBuilder().setPayload(payloadByStream.get(stream)).build();
            server.send(Frame.response(stream, echo.toByteArray()));
        }

        for (int i = 0; i < calls; i++) {
            assertEquals("call " + i, answers.get(i).get(3, SECONDS).toStringUtf8());
        }
    }

    @Test
    void aNonOkStatusIsATtrpcException() throws Exception {
        Future<ByteString> call = callInBackground("State", ByteString.EMPTY, null);
        server.receive();
        server.send(Frame.response(1, ERROR_RESPONSE_BODY));

        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(3, SECONDS));
        TtrpcException error = assertInstanceOf(TtrpcException.class, e.getCause());
        assertEquals(Code.NOT_FOUND, error.code());
        assertEquals(NOT_CREATED, error.getMessage());
    }

    @Test
    void anExplicitOkStatusIsSuccess() throws Exception {
        Future<ByteString> call = callInBackground("M", ByteString.EMPTY, null);
        server.receive();
        Response ok = Response.newBuilder()
                .setStatus(new TtrpcException(Code.OK, "").toStatus())
                .setPayload(ByteString.copyFromUtf8("fine"))
                .build();
        server.send(Frame.response(1, ok.toByteArray()));

        assertEquals("fine", call.get(3, SECONDS).toStringUtf8());
    }

    @Test
    void typedCallParsesTheAnswer() throws Exception {
        Future<StringValue> call = background.submit(() ->
                client.call("test.Svc", "Upper", StringValue.of("x"), StringValue.parser(), WAIT));
        Request request = receiveRequest();
        assertEquals(StringValue.of("x"), StringValue.parseFrom(request.getPayload()));
        server.send(Frame.response(1, Response.newBuilder().setPayload(StringValue.of("X").toByteString())
                .build().toByteArray()));

        assertEquals("X", call.get(3, SECONDS).getValue());
    }

    @Test
    void aLateAnswerAfterTheDeadlineIsDropped() throws Exception {
        TtrpcException e = assertThrows(TtrpcException.class,
                () -> client.call("test.Svc", "Slow", ByteString.EMPTY, Duration.ofMillis(100), null));
        assertEquals(Code.DEADLINE_EXCEEDED, e.code());
        assertEquals(1, server.receive().streamId());

        server.send(Frame.response(1, Response.newBuilder().setPayload(ByteString.copyFromUtf8("late"))
                .build().toByteArray()));
        Future<ByteString> next = callInBackground("Fast", ByteString.EMPTY, null);
        assertEquals(3, server.receive().streamId());
        server.send(Frame.response(3, Response.newBuilder().setPayload(ByteString.copyFromUtf8("on time"))
                .build().toByteArray()));

        assertEquals("on time", next.get(3, SECONDS).toStringUtf8());
    }

    @Test
    void framesThatAreNotResponsesAreIgnored() throws Exception {
        Future<ByteString> call = callInBackground("M", ByteString.EMPTY, null);
        server.receive();
        server.send(new Frame(1, Frame.TYPE_DATA, 0, bytes(1, 2, 3)));
        server.send(new Frame(1, Frame.TYPE_REQUEST, 0, bytes(4)));
        server.send(Frame.response(99, new byte[0])); // nobody waits on stream 99
        server.send(Frame.response(1, Response.newBuilder().setPayload(ByteString.copyFromUtf8("real"))
                .build().toByteArray()));

        assertEquals("real", call.get(3, SECONDS).toStringUtf8());
    }

    @Test
    void whenTheServerHangsUpPendingAndLaterCallsFail() throws Exception {
        Future<ByteString> pending = callInBackground("Wait", ByteString.EMPTY, null);
        server.receive();

        server.close();

        ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(3, SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        assertEquals("ttrpc: connection closed", e.getCause().getMessage());
        assertTrue(client.isClosed());
        assertThrows(IOException.class, () -> client.call("test.Svc", "M", ByteString.EMPTY, null, null));
    }

    @Test
    void closingTheClientFailsPendingCalls() throws Exception {
        Future<ByteString> pending = callInBackground("Wait", ByteString.EMPTY, null);
        server.receive();

        client.close();
        client.close(); // idempotent

        ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(3, SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        assertTrue(client.isClosed());
    }

    @Test
    void anOversizedAnswerFailsOnlyItsCall() throws Exception {
        Future<ByteString> call = callInBackground("Big", ByteString.EMPTY, null);
        server.receive();
        server.sendBytes(bytes(0x00, 0x40, 0x00, 0x01, 0, 0, 0, 1, Frame.TYPE_RESPONSE, 0));
        server.sendBytes(new byte[Frame.MAX_DATA_LENGTH + 1]);

        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(3, SECONDS));
        assertEquals(Code.RESOURCE_EXHAUSTED, assertInstanceOf(TtrpcException.class, e.getCause()).code());

        Future<ByteString> next = callInBackground("Small", ByteString.EMPTY, null);
        assertEquals(3, server.receive().streamId());
        server.send(Frame.response(3, new byte[0]));
        assertEquals(ByteString.EMPTY, next.get(3, SECONDS));
    }

    @Test
    void aRequestTooBigForTheWireIsRefusedBeforeSending() {
        ByteString huge = ByteString.copyFrom(new byte[Frame.MAX_DATA_LENGTH]);

        TtrpcException e = assertThrows(TtrpcException.class,
                () -> client.call("test.Svc", "M", huge, null, null));

        assertEquals(Code.RESOURCE_EXHAUSTED, e.code());
    }
}
