package dev.jrunc.shim.ttrpc;

import static dev.jrunc.shim.ttrpc.WireVectors.CONNECT_PAYLOAD;
import static dev.jrunc.shim.ttrpc.WireVectors.CONNECT_RESPONSE_PAYLOAD;
import static dev.jrunc.shim.ttrpc.WireVectors.ERROR_RESPONSE_BODY;
import static dev.jrunc.shim.ttrpc.WireVectors.NOT_CREATED;
import static dev.jrunc.shim.ttrpc.WireVectors.REQUEST_BODY;
import static dev.jrunc.shim.ttrpc.WireVectors.REQUEST_FRAME;
import static dev.jrunc.shim.ttrpc.WireVectors.RESPONSE_BODY;
import static dev.jrunc.shim.ttrpc.WireVectors.RESPONSE_FRAME;
import static dev.jrunc.shim.ttrpc.WireVectors.bytes;
import static dev.jrunc.shim.ttrpc.WireVectors.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;
import dev.jrunc.shim.ttrpc.proto.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Framing, byte by byte, against traffic captured from containerd 1.6.20. No sockets. */
class FrameTest {

    private static FrameReader readerOf(byte[] bytes) {
        return new FrameReader(Channels.newChannel(new ByteArrayInputStream(bytes)));
    }

    @Test
    void readsTheCapturedConnectRequest() throws Exception {
        FrameReader reader = readerOf(REQUEST_FRAME);

        Frame frame = reader.read();

        assertEquals(3, frame.streamId());
        assertEquals(Frame.TYPE_REQUEST, frame.type());
        assertEquals(0, frame.flags());
        assertEquals(0x29, frame.data().length);
        Request request = Request.parseFrom(frame.data());
        assertEquals("containerd.task.v2.Task", request.getService());
        assertEquals("Connect", request.getMethod());
        assertArrayEquals(CONNECT_PAYLOAD, request.getPayload().toByteArray());
        assertEquals(0, request.getTimeoutNano());
        assertEquals(0, request.getMetadataCount());
        assertNull(reader.read(), "a clean end of stream between frames reads as null");
    }

    @Test
    void encodesTheConnectRequestExactlyAsContainerdDoes() throws Exception {
        Request request = Request.newBuilder()
                .setService("containerd.task.v2.Task")
                .setMethod("Connect")
                .setPayload(ByteString.copyFrom(CONNECT_PAYLOAD))
                .build();

        assertArrayEquals(REQUEST_BODY, request.toByteArray());
        assertArrayEquals(REQUEST_FRAME, Frame.request(3, request.toByteArray()).encode());
    }

    @Test
    void readsAndEncodesTheCapturedResponse() throws Exception {
        Frame frame = readerOf(RESPONSE_FRAME).read();

        assertEquals(new Frame(3, Frame.TYPE_RESPONSE, 0, RESPONSE_BODY), frame);
        Response response = Response.parseFrom(frame.data());
        assertFalse(response.hasStatus(), "success carries no status");
        assertArrayEquals(CONNECT_RESPONSE_PAYLOAD, response.getPayload().toByteArray());

        Response built = Response.newBuilder().setPayload(ByteString.copyFrom(CONNECT_RESPONSE_PAYLOAD)).build();
        assertArrayEquals(RESPONSE_FRAME, Frame.response(3, built.toByteArray()).encode());
    }

    @Test
    void errorResponseMatchesTheCapturedNotFound() throws Exception {
        Response built = Response.newBuilder()
                .setStatus(TtrpcException.notFound(NOT_CREATED).toStatus())
                .build();
        assertArrayEquals(ERROR_RESPONSE_BODY, built.toByteArray());

        Status status = Response.parseFrom(ERROR_RESPONSE_BODY).getStatus();
        assertEquals(Code.NOT_FOUND, Code.of(status.getCode()));
        assertEquals(NOT_CREATED, status.getMessage());
    }

    @Test
    void anEmptyResponseIsAHeaderOnlyFrame() throws Exception {
        byte[] body = Response.getDefaultInstance().toByteArray();
        assertEquals(0, body.length);

        byte[] wire = Frame.response(7, body).encode();

        assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 7, 2, 0), wire);
        Frame back = readerOf(wire).read();
        assertEquals(7, back.streamId());
        assertEquals(0, back.data().length);
    }

    @Test
    void readsBackToBackFramesAndKeepsUnknownTypesAndFlags() throws Exception {
        byte[] odd = new Frame(9, 0x7f, 0x05, bytes(1, 2, 3)).encode();
        FrameReader reader = readerOf(concat(REQUEST_FRAME, odd, RESPONSE_FRAME));

        assertEquals(Frame.TYPE_REQUEST, reader.read().type());
        Frame unknown = reader.read();
        assertEquals(0x7f, unknown.type());
        assertEquals(0x05, unknown.flags());
        assertArrayEquals(bytes(1, 2, 3), unknown.data());
        assertEquals(Frame.TYPE_RESPONSE, reader.read().type());
        assertNull(reader.read());
    }

    @Test
    void streamIdsAreUnsigned() throws Exception {
        Frame frame = readerOf(bytes(0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80)).read();

        assertEquals(0xffffffff, frame.streamId());
        assertEquals(0xff, frame.type());
        assertEquals(0x80, frame.flags());
        assertEquals("Frame[stream=4294967295, type=unknown(255), flags=0x80, length=0]", frame.toString());
    }

    @Test
    void acceptsExactlyFourMebibytes() throws Exception {
        byte[] header = bytes(0x00, 0x40, 0x00, 0x00, 0, 0, 0, 1, 1, 0);
        Frame frame = readerOf(concat(header, new byte[Frame.MAX_DATA_LENGTH])).read();

        assertEquals(4_194_304, frame.data().length);
    }

    @Test
    void skipsAnOversizedFrameInSmallPiecesAndStaysInStep() throws Exception {
        long tooLong = Frame.MAX_DATA_LENGTH + 1L;
        byte[] header = bytes(0x00, 0x40, 0x00, 0x01, 0, 0, 0, 5, 1, 0);
        CountingChannel channel = new CountingChannel(header, tooLong, REQUEST_FRAME);
        FrameReader reader = new FrameReader(channel);

        FrameTooLargeException e = assertThrows(FrameTooLargeException.class, reader::read);

        assertEquals(5, e.streamId());
        assertEquals(tooLong, e.length());
        assertTrue(channel.largestRead <= 64 * 1024, "read at most 64 KiB at a time, was " + channel.largestRead);
        assertEquals(3, reader.read().streamId(), "the next frame is intact");
    }

    @Test
    void aHugeLengthFollowedByEndOfStreamIsAnEofNotAnAllocation() {
        FrameReader reader = readerOf(bytes(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 1, 0, 1, 2, 3));

        assertThrows(EOFException.class, reader::read);
    }

    @Test
    void truncatedHeaderOrBodyIsAnEof() {
        assertThrows(EOFException.class, () -> readerOf(bytes(0, 0, 0, 0x29, 0)).read());
        byte[] cutBody = java.util.Arrays.copyOf(REQUEST_FRAME, REQUEST_FRAME.length - 1);
        assertThrows(EOFException.class, () -> readerOf(cutBody).read());
    }

    @Test
    void framesRefuseWhatTheWireCannotCarry() {
        assertThrows(IllegalArgumentException.class,
                () -> Frame.request(1, new byte[Frame.MAX_DATA_LENGTH + 1]));
        assertThrows(IllegalArgumentException.class, () -> new Frame(1, 256, 0, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Frame(1, 1, -1, new byte[0]));
    }

    @Test
    void writerWritesTheWireBytes() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(Channels.newChannel(sink));

        writer.write(Frame.request(3, REQUEST_BODY));
        writer.write(Frame.response(3, RESPONSE_BODY));

        assertArrayEquals(concat(REQUEST_FRAME, RESPONSE_FRAME), sink.toByteArray());
    }

    @Test
    void concurrentWritersNeverInterleaveFrames() throws Exception {
        TrickleChannel sink = new TrickleChannel();
        FrameWriter writer = new FrameWriter(sink);
        int threads = 8;
        int framesPerThread = 50;

        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            writers.add(new Thread(() -> {
                for (int i = 0; i < framesPerThread; i++) {
                    int streamId = 2 * (thread * framesPerThread + i) + 1;
                    byte[] data = ByteBuffer.allocate(12).putInt(streamId).putInt(streamId).putInt(streamId).array();
                    try {
                        writer.write(Frame.request(streamId, data));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            }));
        }
        writers.forEach(Thread::start);
        for (Thread w : writers) {
            w.join();
        }

        FrameReader reader = readerOf(sink.bytes());
        Set<Integer> seen = new HashSet<>();
        Frame frame;
        while ((frame = reader.read()) != null) {
            ByteBuffer data = ByteBuffer.wrap(frame.data());
            assertEquals(12, data.remaining());
            for (int i = 0; i < 3; i++) {
                assertEquals(frame.streamId(), data.getInt(), "frame data belongs to its own header");
            }
            assertTrue(seen.add(frame.streamId()));
        }
        assertEquals(threads * framesPerThread, seen.size());
    }

    @Test
    void hexdumpLooksLikeHexdumpDashC() {
        String dump = new Frame(3, Frame.TYPE_RESPONSE, 0, RESPONSE_BODY).hexdump();

        assertEquals(""
                + "00000000  00 00 00 08 00 00 00 03  02 00 12 06 08 a8 74 10  |..............t.|\n"
                + "00000010  cb 74                                             |.t|\n", dump);
    }

    @Test
    void hexdumpOfNothingIsEmpty() {
        assertEquals("", HexDump.format(new byte[0]));
        assertNotNull(HexDump.format(REQUEST_FRAME));
    }

    /** Serves a header, then {@code zeros} zero bytes (never stored), then a tail; records the largest read of zeros. */
    private static final class CountingChannel implements ReadableByteChannel {
        private final ByteBuffer header;
        private long zeros;
        private final ByteBuffer tail;
        int largestRead;

        CountingChannel(byte[] header, long zeros, byte[] tail) {
            this.header = ByteBuffer.wrap(header);
            this.zeros = zeros;
            this.tail = ByteBuffer.wrap(tail);
        }

        @Override
        public int read(ByteBuffer dst) {
            if (header.hasRemaining()) {
                return copy(header, dst);
            }
            if (zeros > 0) {
                largestRead = Math.max(largestRead, dst.remaining());
                int n = (int) Math.min(zeros, dst.remaining());
                dst.put(new byte[n]);
                zeros -= n;
                return n;
            }
            return tail.hasRemaining() ? copy(tail, dst) : -1;
        }

        private static int copy(ByteBuffer from, ByteBuffer to) {
            int n = Math.min(from.remaining(), to.remaining());
            to.put(from.slice().limit(n));
            from.position(from.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** Accepts at most 3 bytes per write and yields, so unsynchronized writers would surely interleave. */
    private static final class TrickleChannel implements WritableByteChannel {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(3, src.remaining());
            byte[] chunk = new byte[n];
            src.get(chunk);
            synchronized (out) {
                out.writeBytes(chunk);
            }
            Thread.yield();
            return n;
        }

        byte[] bytes() {
            synchronized (out) {
                return out.toByteArray();
            }
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
