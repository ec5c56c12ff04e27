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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server side of one client connection: reads request frames, hands each call to a worker,
 * and writes the answers back in whatever order they finish.
 *
 * <p>The reader never runs a handler itself. containerd keeps a {@code Wait} call open for the
 * whole life of a container on the same connection as everything else, so a handler that blocks
 * must block only its own worker.
 *
 * <p>Nor does a worker write its answer: it queues it, and one writer at a time (a task on the same pool, there
 * only while answers wait) sends the queue. A peer that sends requests but never reads its answers then stalls
 * that one writer, not a thread per call — it once piled up thousands of threads in the shim, each blocked in a
 * write. Answers the peer leaves unread are bounded ({@link #MAX_UNREAD_ANSWERS}); past that, the peer is broken
 * or hostile, and the connection is closed.
 */
final class ServerConnection implements Closeable {

    private static final System.Logger LOG = System.getLogger("jrunc.ttrpc");
    /** containerd reads every answer at once; a thousand waiting means nobody reads. */
    static final int MAX_UNREAD_ANSWERS = 1024;
    /** The same bound in bytes: four of the largest frames ttrpc allows. */
    static final long MAX_UNREAD_BYTES = 4L * Frame.MAX_DATA_LENGTH;

    private final SocketChannel socket;
    private final FrameReader reader;
    private final FrameWriter writer;
    private final Services services;
    private final Executor calls;
    private final ScheduledExecutorService deadlines;
    private final AtomicInteger inFlight;
    private final ConcurrentLinkedQueue<Frame> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger unsentFrames = new AtomicInteger();
    private final AtomicLong unsentBytes = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
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

    /** Queues one answer for the writer; a connection that is already gone just loses it. */
    private void send(int streamId, Response response) {
        if (closed) {
            return;
        }
        if (response.getSerializedSize() > Frame.MAX_DATA_LENGTH) {
            response = failure(Code.RESOURCE_EXHAUSTED, "response of " + response.getSerializedSize()
                    + " bytes exceeds maximum message size of " + Frame.MAX_DATA_LENGTH);
        }
        Frame frame = Frame.response(streamId, response.toByteArray());
        int frames = unsentFrames.incrementAndGet();
        long bytes = unsentBytes.addAndGet(frame.data().length);
        if (frames > MAX_UNREAD_ANSWERS || bytes > MAX_UNREAD_BYTES) {
            LOG.log(Level.WARNING, "ttrpc: a peer left {0} answers ({1} bytes) unread; closing its connection",
                    String.valueOf(frames - 1), String.valueOf(bytes - frame.data().length));
            close();
            return;
        }
        outbox.add(frame);
        startWriting();
    }

    /** Starts the writer unless one runs: it will find the frame just queued. */
    private void startWriting() {
        if (!writing.compareAndSet(false, true)) {
            return;
        }
        try {
            calls.execute(this::writeQueued);
        } catch (RejectedExecutionException serverClosed) {
            writing.set(false);
            close();
        }
    }

    /** Sends the queue, blocking while the peer reads slowly; ends when it is empty. */
    private void writeQueued() {
        try {
            while (true) {
                Frame frame;
                while ((frame = outbox.poll()) != null) {
                    writer.write(frame);
                    unsentFrames.decrementAndGet();
                    unsentBytes.addAndGet(-frame.data().length);
                }
                writing.set(false);
                // a frame queued after the poll above but before the flag dropped would otherwise wait forever
                if (outbox.isEmpty() || !writing.compareAndSet(false, true)) {
                    return;
                }
            }
        } catch (IOException e) {
            writing.set(false);
            close(); // the reader thread notices and stops
        }
    }

    /** True when every answer queued so far has been written (or the connection is gone). */
    boolean flushed() {
        return closed || unsentFrames.get() == 0;
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
