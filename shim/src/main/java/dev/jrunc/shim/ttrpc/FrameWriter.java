package dev.jrunc.shim.ttrpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Writes whole frames to a byte channel, one frame at a time.
 *
 * <p>Many calls share one connection and finish on different threads. Each frame is written under
 * a lock, so the header and data of one answer can never be interleaved with another's; the peer
 * would otherwise lose track of where frames begin.
 */
public final class FrameWriter {

    private final WritableByteChannel out;
    private final Object writeLock = new Object();

    public FrameWriter(WritableByteChannel out) {
        this.out = out;
    }

    public void write(Frame frame) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(frame.encode());
        synchronized (writeLock) {
            // A channel may accept only part of the buffer per call; keep going until all of it is out.
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        }
    }
}
