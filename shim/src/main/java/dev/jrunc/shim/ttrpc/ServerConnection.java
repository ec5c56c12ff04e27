package dev.jrunc.shim.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server side of one client connection: reads request frames, hands each call to a worker,
 * and writes the answers back in whatever order they finish.
 *
 * <p>The reader never runs a handler itself. containerd keeps a {@code Wait} call open for the
 * whole life of a container on the same connection as everything else, so a handler that blocks
 * must block only its own worker.
 */
final class ServerConnection implements Closeable {

    private static final System.Logger LOG = System.getLogger("jrunc.ttrpc");

    private final SocketChannel socket;
    private final FrameReader reader;
    private final FrameWriter writer;
    private final Services services;
    private final Executor calls;
    private final ScheduledExecutorService deadlines;
    private final AtomicInteger inFlight;
    private volatile boolean closed;

    /** @param inFlight the server's count of calls not yet answered, for a graceful shutdown */
    ServerConnection(SocketChannel socket, Services services, Executor calls, ScheduledExecutorService deadlines,
                     AtomicInteger inFlight) {
        this.socket = socket;
        this.reader = new FrameReader(socket);
        this.writer = new FrameWriter(socket);
        this.services = services;
        this.calls = calls;
        this.deadlines = deadlines;
        this.inFlight = inFlight;
    }

    /** Reads frames until the peer goes away or the connection is closed. Runs on the connection's thread. */
    void serve() {
        try {
            while (!closed) {
                Frame frame;
                try {
                    frame = reader.read();
                } catch (FrameTooLargeException e) {
                    // The reader skipped the data, so we are still in step with the peer.
                    send(e.streamId(), failure(Code.RESOURCE_EXHAUSTED, e.getMessage()));
                    continue;
                }
                if (frame == null) {
                    return; // the client hung up
                }
                receive(frame);
            }
        } catch (IOException e) {
            // A broken or hostile peer; it costs this connection only, never the server.
            if (!closed) {
                LOG.log(Level.DEBUG, "ttrpc: connection ended: {0}", e.toString());
            }
        } finally {
            close();
        }
    }

    private void receive(Frame frame) {
        int streamId = frame.streamId();
        if ((streamId & 1) == 0) {
            send(streamId, failure(Code.INVALID_ARGUMENT, "StreamID must be odd for client initiated streams"));
            return;
        }
        if (frame.type() != Frame.TYPE_REQUEST) {
            return; // responses, stream data and future types mean nothing to a unary server
        }
        Request request;
        try {
            request = Request.parseFrom(frame.data());
        } catch (InvalidProtocolBufferException e) {
            send(streamId, failure(Code.INVALID_ARGUMENT, "unmarshal request error: " + e.getMessage()));
            return;
        }
        dispatch(streamId, request);
    }

    /**
     * Runs the call on a worker. With a deadline (timeout_nano, counted from when the request
     * arrived), a timer races the handler: whichever finishes
     * first answers, and the other's answer is dropped (the client gets exactly one response per
     * stream). The late handler is not interrupted: an interrupt can close the files and channels
     * it is using, and Go's server does not stop its handlers either; it only cancels a context.
     */
    private void dispatch(int streamId, Request request) {
        AtomicBoolean answered = new AtomicBoolean();
        try {
            ScheduledFuture<?> deadline = request.getTimeoutNano() <= 0 ? null : deadlines.schedule(() -> {
                if (answered.compareAndSet(false, true)) {
                    send(streamId, failure(Code.DEADLINE_EXCEEDED, "context deadline exceeded"));
                }
            }, request.getTimeoutNano(), TimeUnit.NANOSECONDS);

            inFlight.incrementAndGet();
            calls.execute(() -> {
                try {
                    Response response = handle(request);
                    if (deadline != null) {
                        deadline.cancel(false);
                    }
                    if (answered.compareAndSet(false, true)) {
                        send(streamId, response);
                    }
                } finally {
                    inFlight.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException serverClosing) {
            // The server is shutting down; there is nobody left to answer.
            inFlight.decrementAndGet();
        }
    }

    /** Runs the handler and turns whatever happens into a Response. Never throws. */
    private Response handle(Request request) {
        try {
            ByteString payload = services.invoke(request.getService(), request.getMethod(), request.getPayload());
            // Success has no status field at all, as the Go server sends it.
            return Response.newBuilder().setPayload(payload).build();
        } catch (TtrpcException e) {
            return Response.newBuilder().setStatus(e.toStatus()).build();
        } catch (Throwable e) {
            // Even an Error must produce an answer, or the caller would wait forever.
            // Only the message goes on the wire; the stack trace stays in our log.
            LOG.log(Level.DEBUG, "ttrpc: " + request.getService() + "/" + request.getMethod() + " failed", e);
            String message = e.getMessage() != null ? e.getMessage() : e.toString();
            return failure(Code.UNKNOWN, message);
        }
    }

    private static Response failure(Code code, String message) {
        return Response.newBuilder().setStatus(new TtrpcException(code, message).toStatus()).build();
    }

    /** Writes one answer; a connection that is already gone just loses it. */
    private void send(int streamId, Response response) {
        if (closed) {
            return;
        }
        if (response.getSerializedSize() > Frame.MAX_DATA_LENGTH) {
            response = failure(Code.RESOURCE_EXHAUSTED, "response of " + response.getSerializedSize()
                    + " bytes exceeds maximum message size of " + Frame.MAX_DATA_LENGTH);
        }
        try {
            writer.write(Frame.response(streamId, response.toByteArray()));
        } catch (IOException e) {
            close(); // the reader thread notices and stops
        }
    }

    /** Closes the socket; calls still running may finish, but their answers are dropped. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to do with a socket we are abandoning
        }
    }
}
