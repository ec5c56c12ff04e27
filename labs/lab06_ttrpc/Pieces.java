package lab06_ttrpc;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Bytes handed out the way a busy socket may hand them out: each read returns a piece, never more than the next
 * size in {@link #SIZES} (3, 1, 7, 2, 5 bytes, then 64 KiB, over and over), whatever room the reader's buffer has.
 * After the last byte, -1 (the end of the stream), and the reads past it are counted.
 */
final class Pieces implements ReadableByteChannel {
    private static final int[] SIZES = {3, 1, 7, 2, 5, 64 * 1024};

    private final byte[] bytes;
    private int position;
    private int turn;
    private int pastTheEnd;

    Pieces(byte[] bytes) {
        this.bytes = bytes;
    }

    static String describe() {
        return "3, 1, 7, 2, 5 bytes, then up to 64 KiB, and again";
    }

    /** How many reads it takes to hand out {@code length} bytes to a reader that always has room. */
    static int readsFor(int length) {
        int reads = 0;
        for (int given = 0; given < length; reads++) {
            given += SIZES[reads % SIZES.length];
        }
        return reads;
    }

    @Override
    public int read(ByteBuffer destination) {
        if (position == bytes.length) {
            pastTheEnd++;
            if (pastTheEnd > 1000) {
                throw new IllegalStateException("read() asked this channel 1000 times more after it had returned -1 (the"
                        + " end of the stream): a loop that does not stop at -1");
            }
            return -1;
        }
        int n = Math.min(Math.min(SIZES[turn++ % SIZES.length], destination.remaining()), bytes.length - position);
        destination.put(bytes, position, n);
        position += n;
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
