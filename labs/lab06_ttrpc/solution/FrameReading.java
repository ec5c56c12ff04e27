package lab06_ttrpc.solution;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

import dev.jrunc.shim.ttrpc.Frame;
import dev.jrunc.shim.ttrpc.FrameTooLargeException;
import lab06_ttrpc.Lab06;

/** Lab 06 solution: read fully, the length unsigned, oversized data skipped in pieces. */
public final class FrameReading implements Lab06.Exercise {

    @Override
    public Frame read(ReadableByteChannel in) throws IOException, FrameTooLargeException {
        ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_LENGTH);   // big-endian, as ttrpc's header
        if (!readFully(in, header, true)) {
            return null;
        }
        header.flip();
        long length = Integer.toUnsignedLong(header.getInt());          // uint32: up to 4 GiB, never negative
        int streamId = header.getInt();
        int type = Byte.toUnsignedInt(header.get());
        int flags = Byte.toUnsignedInt(header.get());
        if (length > Frame.MAX_DATA_LENGTH) {
            ByteBuffer skip = ByteBuffer.allocate(64 * 1024);           // what the peer announced is never allocated
            for (long left = length; left > 0; left -= skip.limit()) {
                skip.clear().limit((int) Math.min(skip.capacity(), left));
                readFully(in, skip, false);
            }
            throw new FrameTooLargeException(streamId, length);
        }
        ByteBuffer data = ByteBuffer.allocate((int) length);
        readFully(in, data, false);
        return new Frame(streamId, type, flags, data.array());
    }

    /** Fills the buffer; false if the channel ended before its first byte and that is allowed (between frames). */
    private static boolean readFully(ReadableByteChannel in, ByteBuffer buffer, boolean endAllowed) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                if (endAllowed && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("the channel ended inside a frame");
            }
        }
        return true;
    }
}
