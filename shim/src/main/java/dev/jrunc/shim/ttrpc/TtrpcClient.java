package dev.jrunc.shim.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.jrunc.shim.ttrpc.proto.KeyValue;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ttrpc client over one unix socket connection. Any number of threads may call at once: each
 * call gets its own odd stream id, and one reader thread hands every response to the call waiting
 * for that stream id, in whatever order the server answers.
 */
public final class TtrpcClient implements Closeable {

    private static final System.Logger LOG = System.getLogger("jrunc.ttrpc");
    private static final DaemonThreads READER_THREADS = new DaemonThreads("ttrpc-client");
    private static final String UNIX_SCHEME = "unix://";

    private final SocketChannel socket;
    private final FrameReader reader;
    private final FrameWriter writer;
    /** Client-initiated streams are odd: 1, 3, 5, ... */
    private final AtomicInteger nextStreamId = new AtomicInteger(1);
    /** Calls sent and not yet answered, by stream id. */
    private final Map<Integer, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private TtrpcClient(SocketChannel socket) {
        this.socket = socket;
        this.reader = new FrameReader(socket);
        this.writer = new FrameWriter(socket);
    }

    /** Connects to a unix socket path; accepts "unix:///path" too (strip the scheme). */
    public static TtrpcClient connect(String address) throws IOException {
        String path = address.startsWith(UNIX_SCHEME) ? address.substring(UNIX_SCHEME.length()) : address;
        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socket.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return over(socket);
    }

    /** A client over a socket that is already connected (blocking mode). */
    public static TtrpcClient over(SocketChannel socket) {
        TtrpcClient client = new TtrpcClient(socket);
        // Started only once the client is fully built, so the reader never sees a half-made object.
        READER_THREADS.newThread(client::readResponses).start();
        return client;
    }

    /**
     * One unary call. Throws TtrpcException for a non-OK status (and DEADLINE_EXCEEDED when timeout
     * passes with no answer), IOException when the connection is gone. Safe to call from many
     * threads at once; out-of-order answers are matched by stream id. timeout null or zero = wait
     * forever (then timeout_nano 0 is sent).
     */
    public ByteString call(String service, String method, ByteString payload, Duration timeout,
            Map<String, String> metadata) throws TtrpcException, IOException {
        boolean hasDeadline = timeout != null && !timeout.isZero();
        if (hasDeadline && timeout.isNegative()) {
            throw new TtrpcException(Code.DEADLINE_EXCEEDED, "context deadline exceeded");
        }
        long timeoutNanos = hasDeadline ? saturatedNanos(timeout) : 0;

        Request.Builder request = Request.newBuilder()
                .setService(service)
                .setMethod(method)
                .setPayload(payload)
                .setTimeoutNano(timeoutNanos);
        if (metadata != null) {
            metadata.forEach((key, value) -> request.addMetadata(KeyValue.newBuilder().setKey(key).setValue(value)));
        }
        byte[] requestBytes = request.build().toByteArray();
        if (requestBytes.length > Frame.MAX_DATA_LENGTH) {
            throw new TtrpcException(Code.RESOURCE_EXHAUSTED, "request of " + requestBytes.length
                    + " bytes exceeds maximum message size of " + Frame.MAX_DATA_LENGTH);
        }

        int streamId = nextStreamId.getAndAdd(2);
        CompletableFuture<Response> answer = new CompletableFuture<>();
        // Registered before sending, or a fast answer could arrive before anyone waits for it.
        pending.put(streamId, answer);
        try {
            // Checked after registering: either we see closed here, or the closing thread sees our entry.
            if (closed) {
                throw connectionClosed();
            }
            try {
                writer.write(Frame.request(streamId, requestBytes));
            } catch (IOException e) {
                close();
                throw e;
            }
            return payloadOf(await(answer, timeoutNanos));
        } finally {
            pending.remove(streamId);
        }
    }

    /** Typed convenience: call + parse. */
    public <Resp extends MessageLite> Resp call(String service, String method, MessageLite request,
            Parser<Resp> responseParser, Duration timeout) throws TtrpcException, IOException {
        ByteString payload = call(service, method, request.toByteString(), timeout, Map.of());
        return responseParser.parseFrom(payload);
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes the connection; calls still waiting fail with an IOException. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // we are abandoning the socket either way
        }
        IOException gone = connectionClosed();
        pending.values().forEach(call -> call.completeExceptionally(gone));
    }

    private static Response await(CompletableFuture<Response> answer, long timeoutNanos)
            throws TtrpcException, IOException {
        try {
            return timeoutNanos > 0 ? answer.get(timeoutNanos, TimeUnit.NANOSECONDS) : answer.get();
        } catch (TimeoutException e) {
            // Same text as Go's context error; a late answer finds no one waiting and is dropped.
            throw new TtrpcException(Code.DEADLINE_EXCEEDED, "context deadline exceeded");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TtrpcException(Code.CANCELLED, "interrupted while waiting for the answer");
        } catch (ExecutionException e) {
            // The reader completes calls exceptionally only with these two kinds.
            if (e.getCause() instanceof TtrpcException ttrpc) {
                throw ttrpc;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    private static ByteString payloadOf(Response response) throws TtrpcException {
        // Go clients accept an OK status whether it is absent or present; so do we.
        if (response.hasStatus() && response.getStatus().getCode() != Code.OK.value()) {
            throw TtrpcException.fromStatus(response.getStatus());
        }
        return response.getPayload();
    }

    /** The reader thread: delivers each response to its waiting call until the connection ends. */
    private void readResponses() {
        try {
            while (true) {
                Frame frame;
                try {
                    frame = reader.read();
                } catch (FrameTooLargeException e) {
                    fail(e.streamId(), new TtrpcException(Code.RESOURCE_EXHAUSTED, e.getMessage()));
                    continue;
                }
                if (frame == null) {
                    return;
                }
                if (frame.type() == Frame.TYPE_RESPONSE) {
                    deliver(frame);
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.log(Level.DEBUG, "ttrpc: client connection ended: {0}", e.toString());
            }
        } finally {
            close();
        }
    }

    private void deliver(Frame frame) {
        CompletableFuture<Response> call = pending.get(frame.streamId());
        if (call == null) {
            return; // the caller gave up (deadline) before the answer came
        }
        try {
            call.complete(Response.parseFrom(frame.data()));
        } catch (InvalidProtocolBufferException e) {
            call.completeExceptionally(new IOException("ttrpc: malformed response: " + e.getMessage(), e));
        }
    }

    private void fail(int streamId, Exception error) {
        CompletableFuture<Response> call = pending.get(streamId);
        if (call != null) {
            call.completeExceptionally(error);
        }
    }

    private static IOException connectionClosed() {
        return new IOException("ttrpc: connection closed");
    }

    private static long saturatedNanos(Duration timeout) {
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
