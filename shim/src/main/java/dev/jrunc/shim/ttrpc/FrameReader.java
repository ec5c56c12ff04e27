package dev.jrunc.shim.ttrpc;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads whole frames from a blocking byte channel (a socket, or any test channel).
 *
 * <p>Not thread-safe: each connection has exactly one reader thread. A ReadableByteChannel rather
 * than an InputStream is used on purpose: the JDK's stream adapters for socket channels take a lock
 * that a blocked read holds, which would stop another thread from writing a response meanwhile.
 */
public final class FrameReader {

    /** Oversized data is skipped in pieces this big, so a hostile length never makes us allocate it. */
    private static final int DISCARD_CHUNK = 64 * 1024;

    private final ReadableByteChannel in;
    private final ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_LENGTH);
    private ByteBuffer discardBuffer;

    public FrameReader(ReadableByteChannel in) {
        this.in = in;
    }

    /**
     * Reads the next frame.
     *
     * @return the frame, or {@code null} if the peer closed the connection cleanly between frames
     * @throws FrameTooLargeException if the frame's data exceeds 4 MiB; the data has been skipped
     * @throws EOFException if the connection ended in the middle of a frame
     * @throws IOException if reading failed
     */
    public Frame read() throws IOException, FrameTooLargeException {
        header.clear();
        if (!readFully(header, true)) {
            return null;
        }
        header.flip();
        long length = Integer.toUnsignedLong(header.getInt());
        int streamId = header.getInt();
        int type = Byte.toUnsignedInt(header.get());
        int flags = Byte.toUnsignedInt(header.get());

        if (length > Frame.MAX_DATA_LENGTH) {
            discard(length);
            throw new FrameTooLargeException(streamId, length);
        }
        ByteBuffer data = ByteBuffer.allocate((int) length);
        readFully(data, false);
        return new Frame(streamId, type, flags, data.array());
    }

    /**
     * Fills the buffer completely.
     *
     * @return false only if {@code eofAllowed} and the stream ended before the first byte
     */
    private boolean readFully(ByteBuffer buffer, boolean eofAllowed) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                if (eofAllowed && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("ttrpc: connection closed in the middle of a frame");
            }
        }
        return true;
    }

    private void discard(long length) throws IOException {
        if (discardBuffer == null) {
            discardBuffer = ByteBuffer.allocate(DISCARD_CHUNK);
        }
        long remaining = length;
        while (remaining > 0) {
            discardBuffer.clear().limit((int) Math.min(DISCARD_CHUNK, remaining));
            readFully(discardBuffer, false);
            remaining -= discardBuffer.limit();
        }
    }
}
