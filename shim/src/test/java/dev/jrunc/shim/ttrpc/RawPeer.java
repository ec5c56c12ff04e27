package dev.jrunc.shim.ttrpc;

import com.google.protobuf.ByteString;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** A hand-driven ttrpc peer over a raw socket, for sending exactly the bytes a test wants. */
final class RawPeer implements Closeable {

    final SocketChannel socket;
    private final FrameReader reader;
    private final FrameWriter writer;

    RawPeer(SocketChannel socket) {
        this.socket = socket;
        this.reader = new FrameReader(socket);
        this.writer = new FrameWriter(socket);
    }

    static RawPeer connect(Path path) throws IOException {
        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        socket.connect(UnixDomainSocketAddress.of(path));
        return new RawPeer(socket);
    }

    void sendBytes(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            socket.write(buffer);
        }
    }

    void send(Frame frame) throws IOException {
        writer.write(frame);
    }

    void sendRequest(int streamId, String service, String method, ByteString payload, long timeoutNanos)
            throws IOException {
        Request request = Request.newBuilder()
                .setService(service)
                .setMethod(method)
                .setPayload(payload)
                .setTimeoutNano(timeoutNanos)
                .build();
        send(Frame.request(streamId, request.toByteArray()));
    }

    Frame receive() throws IOException {
        try {
            return reader.read();
        } catch (FrameTooLargeException e) {
            throw new AssertionError("peer sent an oversized frame", e);
        }
    }

    /** Reads one frame, which must be a response, and parses it. */
    Response receiveResponse(int expectedStreamId) throws IOException {
        Frame frame = receive();
        if (frame == null) {
            throw new AssertionError("connection closed instead of answering stream " + expectedStreamId);
        }
        if (frame.type() != Frame.TYPE_RESPONSE || frame.streamId() != expectedStreamId) {
            throw new AssertionError("expected a response on stream " + expectedStreamId + " but got " + frame);
        }
        return Response.parseFrom(frame.data());
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
