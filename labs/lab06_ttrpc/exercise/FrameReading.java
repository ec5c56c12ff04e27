package lab06_ttrpc.exercise;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

import dev.jrunc.shim.ttrpc.Frame;
import dev.jrunc.shim.ttrpc.FrameTooLargeException;
import lab06_ttrpc.Lab06;

/**
 * Lab 06 exercise: read one ttrpc frame, as both ends of a ttrpc connection do for every message. The layout:
 * shim/src/main/java/dev/jrunc/shim/ttrpc/Frame.java; the contract: Lab06.Exercise.read.
 *
 * <p>Run it: {@code jbang lab06}. Check it: {@code ./verify.sh lab06}.
 */
public final class FrameReading implements Lab06.Exercise {

    @Override
    public Frame read(ReadableByteChannel in) throws IOException, FrameTooLargeException {
        // TODO(lab06): read the 10-byte header (length, stream id, type, flags; big-endian), then the data, and
        //   return the Frame. What the lab feeds you is what real peers send:
        //   - in.read(buffer) returns whatever has arrived: maybe a few bytes, maybe 0 more to wait for; -1 is the end;
        //   - a frame may carry no data at all;
        //   - a header may announce more than Frame.MAX_DATA_LENGTH (4 MiB), or even 2 GiB; read past such data
        //     without ever allocating it, then throw FrameTooLargeException(streamId, length), so that the next read()
        //     starts at the next frame. What type does the length need to hold 2 GiB?
        //   The contract (null, EOFException) is in Lab06.Exercise.
        ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_LENGTH);
        if (in.read(header) < 0) {
            return null;
        }
        header.flip();
        int length = header.getInt();
        int streamId = header.getInt();
        int type = header.get();
        int flags = header.get();
        ByteBuffer data = ByteBuffer.allocate(length);
        in.read(data);
        return new Frame(streamId, type, flags, data.array());
    }
}
