package dev.jrunc.shim.ttrpc;

/**
 * A frame announced more data than {@link Frame#MAX_DATA_LENGTH}. Its data has already been read
 * and thrown away, so the connection is still in step and the receiver can answer the stream with
 * RESOURCE_EXHAUSTED and carry on. Deliberately not an IOException: the connection is fine.
 */
public final class FrameTooLargeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int streamId;
    private final long length;

    public FrameTooLargeException(int streamId, long length) {
        super("message length " + length + " exceeds maximum message size of " + Frame.MAX_DATA_LENGTH);
        this.streamId = streamId;
        this.length = length;
    }

    public int streamId() {
        return streamId;
    }

    public long length() {
        return length;
    }
}
