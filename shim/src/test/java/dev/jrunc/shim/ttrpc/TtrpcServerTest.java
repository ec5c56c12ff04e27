package dev.jrunc.shim.ttrpc;

import static dev.jrunc.shim.ttrpc.WireVectors.ERROR_RESPONSE_BODY;
import static dev.jrunc.shim.ttrpc.WireVectors.NOT_CREATED;
import static dev.jrunc.shim.ttrpc.WireVectors.bytes;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;
import dev.jrunc.shim.ttrpc.proto.Response;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server over real unix sockets, driven by our client and by raw bytes. */
@Timeout(10)
class TtrpcServerTest {

    private static final String ECHO = "test.Echo";
    private static final Duration WAIT = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private Path socketPath;
    private TtrpcServer server;
    private final Semaphore blockedCalls = new Semaphore(0);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch blockReturned = new CountDownLatch(1);
    private final ExecutorService background = Executors.newCachedThreadPool();
    private final List<Closeable> toClose = new ArrayList<>();

    private final Services services = new Services()
            .register(ECHO, "Upper", StringValue.parser(), request -> StringValue.of(request.getValue().toUpperCase()))
            .register(ECHO, "Nothing", Empty.parser(), request -> Empty.getDefaultInstance())
            .register(ECHO, "Block", Empty.parser(), request -> {
                try {
                    blockedCalls.release();
                    release.await();
                    return StringValue.of("released");
                } finally {
                    blockReturned.countDown();
                }
            })
            .register(ECHO, "Fail", Empty.parser(), request -> {
                throw new IllegalStateException("boom");
            })
            .register(ECHO, "Missing", Empty.parser(), request -> {
                throw TtrpcException.notFound(NOT_CREATED);
            });

    @BeforeEach
    void startServer() throws IOException {
        socketPath = dir.resolve("ttrpc.sock");
        server = new TtrpcServer(services);
        server.start(listen(socketPath));
    }

    @AfterEach
    void stopEverything() throws IOException {
        release.countDown();
        for (Closeable closeable : toClose) {
            closeable.close();
        }
        server.close();
        background.shutdownNow();
    }

    private static ServerSocketChannel listen(Path path) throws IOException {
        return ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path));
    }

    private TtrpcClient client() throws IOException {
        TtrpcClient client = TtrpcClient.connect("unix://" + socketPath);
        toClose.add(client);
        return client;
    }

    private RawPeer raw() throws IOException {
        RawPeer peer = RawPeer.connect(socketPath);
        toClose.add(peer);
        return peer;
    }

    private static String upper(TtrpcClient client, String text) throws Exception {
        return client.call(ECHO, "Upper", StringValue.of(text), StringValue.parser(), WAIT).getValue();
    }

    private <T> Future<T> inBackground(Callable<T> task) {
        return background.submit(task);
    }

    private void assertAFreshClientIsServed() throws Exception {
        try (TtrpcClient fresh = TtrpcClient.connect(socketPath.toString())) {
            assertEquals("STILL HERE", upper(fresh, "still here"));
        }
    }

    // ---- normal calls -------------------------------------------------------------------------

    @Test
    void roundTrip() throws Exception {
        TtrpcClient client = client();

        assertEquals("HELLO", upper(client, "hello"));
        ByteString raw = client.call(ECHO, "Upper", StringValue.of("abc").toByteString(), null, null);
        assertEquals(StringValue.of("ABC").toByteString(), raw);
    }

    @Test
    void successIsAPayloadWithoutStatusAndEmptyIsHeaderOnly() throws Exception {
        RawPeer peer = raw();

        peer.sendRequest(1, ECHO, "Upper", StringValue.of("x").toByteString(), 0);
        Response upper = peer.receiveResponse(1);
        assertFalse(upper.hasStatus());
        assertEquals(StringValue.of("X").toByteString(), upper.getPayload());

        peer.sendRequest(3, ECHO, "Nothing", ByteString.EMPTY, 0);
        Frame empty = peer.receive();
        assertEquals(Frame.response(3, new byte[0]), empty);

        assertEquals(ByteString.EMPTY, client().call(ECHO, "Nothing", ByteString.EMPTY, WAIT, null));
    }

    @Test
    void fiftyConcurrentCallsOnOneClientAreAnsweredOutOfOrder() throws Exception {
        int calls = 50;
        CountDownLatch[] finished = new CountDownLatch[calls + 1];
        for (int i = 0; i <= calls; i++) {
            finished[i] = new CountDownLatch(1);
        }
        finished[calls].countDown();
        List<Integer> completionOrder = Collections.synchronizedList(new ArrayList<>());
        services.register(ECHO, "Countdown", Int32Value.parser(), request -> {
            int i = request.getValue();
            // Each call waits for the one after it: they can only finish last-to-first, and only
            // if all fifty are in flight at once.
            if (!finished[i + 1].await(5, SECONDS)) {
                throw new IllegalStateException("call " + (i + 1) + " never finished");
            }
            completionOrder.add(i);
            finished[i].countDown();
            return Int32Value.of(i * 1000);
        });
        TtrpcClient client = client();

        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            int value = i;
            answers.add(inBackground(() ->
                    client.call(ECHO, "Countdown", Int32Value.of(value), Int32Value.parser(), WAIT).getValue()));
        }

        for (int i = 0; i < calls; i++) {
            assertEquals(i * 1000, answers.get(i).get(5, SECONDS), "answer for call " + i);
        }
        List<Integer> lastToFirst = new ArrayList<>();
        for (int i = calls - 1; i >= 0; i--) {
            lastToFirst.add(i);
        }
        assertEquals(lastToFirst, completionOrder);
    }

    @Test
    void aBlockedCallHoldsUpNothingElse() throws Exception {
        TtrpcClient client = client();
        Future<String> blocked = inBackground(() ->
                client.call(ECHO, "Block", Empty.getDefaultInstance(), StringValue.parser(), null).getValue());
        assertTrue(blockedCalls.tryAcquire(3, SECONDS), "the blocking handler started");

        assertEquals("SAME CONNECTION", upper(client, "same connection"));
        assertEquals("OTHER CONNECTION", upper(client(), "other connection"));
        assertFalse(blocked.isDone());

        release.countDown();
        assertEquals("released", blocked.get(3, SECONDS));
    }

    // ---- errors -------------------------------------------------------------------------------

    @Test
    void unknownServiceOrMethodIsUnimplemented() throws Exception {
        TtrpcClient client = client();

        TtrpcException service = assertThrows(TtrpcException.class,
                () -> client.call("containerd.task.v3.Task", "State", ByteString.EMPTY, WAIT, null));
        assertEquals(Code.UNIMPLEMENTED, service.code());
        assertEquals("service containerd.task.v3.Task", service.getMessage());

        TtrpcException method = assertThrows(TtrpcException.class,
                () -> client.call(ECHO, "Bogus", ByteString.EMPTY, WAIT, null));
        assertEquals(Code.UNIMPLEMENTED, method.code());
        assertEquals("method Bogus", method.getMessage());
    }

    @Test
    void aHandlerExceptionIsUnknownAndHarmsNothing() throws Exception {
        TtrpcClient client = client();

        TtrpcException e = assertThrows(TtrpcException.class,
                () -> client.call(ECHO, "Fail", ByteString.EMPTY, WAIT, null));

        assertEquals(Code.UNKNOWN, e.code());
        assertEquals("boom", e.getMessage());
        assertEquals("AFTER", upper(client, "after"));
    }

    @Test
    void aTtrpcExceptionKeepsItsCodeAndIsEncodedLikeTheGoShim() throws Exception {
        TtrpcException e = assertThrows(TtrpcException.class,
                () -> client().call(ECHO, "Missing", ByteString.EMPTY, WAIT, null));
        assertEquals(Code.NOT_FOUND, e.code());
        assertEquals(NOT_CREATED, e.getMessage());

        RawPeer peer = raw();
        peer.sendRequest(1, ECHO, "Missing", ByteString.EMPTY, 0);
        assertArrayEquals(ERROR_RESPONSE_BODY, peer.receive().data());
    }

    @Test
    void anUnparsablePayloadIsAnInvalidArgument() throws Exception {
        ByteString garbage = ByteString.copyFrom(bytes(0xff, 0xff, 0xff));

        TtrpcException e = assertThrows(TtrpcException.class,
                () -> client().call(ECHO, "Upper", garbage, WAIT, null));

        assertEquals(Code.INVALID_ARGUMENT, e.code());
    }

    @Test
    void theServerAnswersDeadlineExceededWhenTimeoutNanoPasses() throws Exception {
        RawPeer peer = raw();
        peer.sendRequest(1, ECHO, "Block", ByteString.EMPTY, Duration.ofMillis(50).toNanos());

        Response late = peer.receiveResponse(1);
        assertEquals(Code.DEADLINE_EXCEEDED.value(), late.getStatus().getCode());
        assertEquals("context deadline exceeded", late.getStatus().getMessage());

        // The handler is still blocked; the connection is not.
        peer.sendRequest(3, ECHO, "Upper", StringValue.of("a").toByteString(), 0);
        assertEquals(StringValue.of("A").toByteString(), peer.receiveResponse(3).getPayload());

        // When the handler finally returns, its answer is dropped: the next frame belongs to stream 5.
        release.countDown();
        assertTrue(blockReturned.await(3, SECONDS));
        // the late answer, had it been sent, is on its way before stream 5's: the call is over
        long deadline = System.nanoTime() + SECONDS.toNanos(3);
        while (server.callsInFlight() > 0) {
            assertTrue(System.nanoTime() < deadline, "the blocked call did not end within 3 s of its handler's return");
            Thread.sleep(5);
        }
        peer.sendRequest(5, ECHO, "Upper", StringValue.of("b").toByteString(), 0);
        assertEquals(StringValue.of("B").toByteString(), peer.receiveResponse(5).getPayload());
    }

    @Test
    void aClientTimeoutIsDeadlineExceeded() throws Exception {
        TtrpcClient client = client();
        long start = System.nanoTime();

        TtrpcException e = assertThrows(TtrpcException.class,
                () -> client.call(ECHO, "Block", ByteString.EMPTY, Duration.ofMillis(100), null));

        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Code.DEADLINE_EXCEEDED, e.code());
        assertTrue(elapsedMillis >= 100 && elapsedMillis < 3000, "took " + elapsedMillis + " ms");
        assertEquals("STILL USABLE", upper(client, "still usable"));
    }

    // ---- hostile peers ------------------------------------------------------------------------

    @Test
    void anOversizedRequestIsResourceExhaustedAndTheConnectionCarriesOn() throws Exception {
        RawPeer peer = raw();
        int length = Frame.MAX_DATA_LENGTH + 1;
        peer.sendBytes(bytes(0x00, 0x40, 0x00, 0x01, 0, 0, 0, 1, Frame.TYPE_REQUEST, 0));
        peer.sendBytes(new byte[length]);

        Response refused = peer.receiveResponse(1);
        assertEquals(Code.RESOURCE_EXHAUSTED.value(), refused.getStatus().getCode());

        peer.sendRequest(3, ECHO, "Upper", StringValue.of("same").toByteString(), 0);
        assertEquals(StringValue.of("SAME").toByteString(), peer.receiveResponse(3).getPayload());
    }

    @Test
    void anEvenStreamIdIsRefused() throws Exception {
        RawPeer peer = raw();

        peer.sendRequest(2, ECHO, "Upper", StringValue.of("x").toByteString(), 0);

        Response refused = peer.receiveResponse(2);
        assertEquals(Code.INVALID_ARGUMENT.value(), refused.getStatus().getCode());
        assertEquals("StreamID must be odd for client initiated streams", refused.getStatus().getMessage());
        peer.sendRequest(3, ECHO, "Upper", StringValue.of("x").toByteString(), 0);
        assertEquals(StringValue.of("X").toByteString(), peer.receiveResponse(3).getPayload());
    }

    @Test
    void aGarbageRequestBodyIsAnInvalidArgument() throws Exception {
        RawPeer peer = raw();

        peer.send(Frame.request(1, bytes(0xff, 0xff, 0xff, 0xff)));

        Response refused = peer.receiveResponse(1);
        assertEquals(Code.INVALID_ARGUMENT.value(), refused.getStatus().getCode());
        assertTrue(refused.getStatus().getMessage().startsWith("unmarshal request error"),
                refused.getStatus().getMessage());
        peer.sendRequest(3, ECHO, "Upper", StringValue.of("x").toByteString(), 0);
        assertEquals(StringValue.of("X").toByteString(), peer.receiveResponse(3).getPayload());
    }

    @Test
    void framesThatAreNotRequestsAreIgnored() throws Exception {
        RawPeer peer = raw();

        peer.send(new Frame(1, Frame.TYPE_RESPONSE, 0, bytes(1, 2, 3)));
        peer.send(new Frame(3, Frame.TYPE_DATA, 0x01, bytes(4, 5)));
        peer.send(new Frame(5, 0x42, 0, new byte[0]));
        peer.sendRequest(7, ECHO, "Upper", StringValue.of("x").toByteString(), 0);

        assertEquals(StringValue.of("X").toByteString(), peer.receiveResponse(7).getPayload());
    }

    @Test
    void aTruncatedHeaderThenCloseEndsOnlyThatConnection() throws Exception {
        TtrpcClient bystander = client();
        try (RawPeer peer = RawPeer.connect(socketPath)) {
            peer.sendBytes(bytes(0, 0, 0, 0x29, 0));
        }

        assertAFreshClientIsServed();
        assertEquals("BYSTANDER", upper(bystander, "bystander"));
    }

    @Test
    void randomBytesThenCloseEndOnlyThatConnection() throws Exception {
        for (int seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            byte[] noise = new byte[1 + random.nextInt(2000)];
            random.nextBytes(noise);
            try (RawPeer peer = RawPeer.connect(socketPath)) {
                peer.sendBytes(noise);
            }
        }

        assertAFreshClientIsServed();
    }

    @Test
    void aPeerRunningAsAnotherUserIsRefused() throws Exception {
        Path otherPath = dir.resolve("strict.sock");
        PeerCredentials someoneElse = new PeerCredentials(
                FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("4242"), null);
        try (TtrpcServer strict = new TtrpcServer(services, someoneElse);
                TtrpcClient client = connectTo(strict, otherPath)) {

            assertThrows(IOException.class, () -> upper(client, "let me in"));
            assertTrue(client.isClosed());
        }
    }

    private TtrpcClient connectTo(TtrpcServer target, Path path) throws IOException {
        target.start(listen(path));
        return TtrpcClient.connect(path.toString());
    }

    // ---- shutting down ------------------------------------------------------------------------

    @Test
    void aPeerThatNeverReadsItsAnswersIsCutOffWithoutPilingUpThreads() throws Exception {
        RawPeer peer = raw();
        long threadsBefore = callThreads();
        ByteString nothing = Empty.getDefaultInstance().toByteString();
        int sent = 0;
        long peakThreads = threadsBefore;
        try {
            // far more answers than the socket buffers hold or the server queues for one peer
            for (int i = 0; i < 20 * ServerConnection.MAX_UNREAD_ANSWERS; i++) {
                peer.sendRequest(2 * i + 1, ECHO, "Nothing", nothing, 0);
                sent++;
                if (i % 256 == 0) {
                    peakThreads = Math.max(peakThreads, callThreads());
                }
            }
            fail("the server kept reading from a peer that reads nothing: " + sent + " requests sent");
        } catch (IOException cutOff) {
            // expected: the server closed the connection
        }
        assertTrue(sent > ServerConnection.MAX_UNREAD_ANSWERS, "it was cut off only past the bound, after " + sent);
        assertTrue(peakThreads - threadsBefore < 50, "threads serving it: " + threadsBefore + " → " + peakThreads);
        assertAFreshClientIsServed();
    }

    /** Live threads of the server's call pool (workers, and the writer while answers wait). */
    private static long callThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("ttrpc-call")).count();
    }

    @Test
    void closingTheServerEndsConnectionsAndRefusesNewOnes() throws Exception {
        TtrpcClient client = client();
        Future<ByteString> pending = inBackground(() -> client.call(ECHO, "Block", ByteString.EMPTY, null, null));
        assertTrue(blockedCalls.tryAcquire(3, SECONDS));

        server.close();
        server.close(); // idempotent

        ExecutionException failed = assertThrows(ExecutionException.class, () -> pending.get(3, SECONDS));
        assertInstanceOf(IOException.class, failed.getCause());
        assertTrue(client.isClosed());
        assertThrows(IOException.class, () -> TtrpcClient.connect(socketPath.toString()));
        assertThrows(IllegalStateException.class, () -> server.start(listen(dir.resolve("again.sock"))));
    }
}
