package dev.jrunc.shim.ttrpc;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One ttrpc message as it travels on the socket: a 10-byte header followed by {@code data}.
 *
 * <pre>
 *  bytes 0-3   length of data, uint32 big-endian (at most 4 MiB)
 *  bytes 4-7   stream id, uint32 big-endian (odd when the client started the stream)
 *  byte  8     message type: 1 request, 2 response, 3 data
 *  byte  9     flags (0 for unary calls)
 * </pre>
 *
 * The header says nothing about what is inside the data; for requests and responses it is a
 * protobuf {@code ttrpc.Request} or {@code ttrpc.Response}.
 *
 * @param streamId the stream (call) this frame belongs to; an unsigned 32-bit value kept in an int
 * @param type the message type byte, 0-255; unknown types are kept so a receiver can skip them
 * @param flags the flags byte, 0-255
 * @param data the bytes after the header; may be empty
 */
public record Frame(int streamId, int type, int flags, byte[] data) {

    public static final int HEADER_LENGTH = 10;
    /** The largest data length either side accepts; larger frames are answered with RESOURCE_EXHAUSTED. */
    public static final int MAX_DATA_LENGTH = 4 << 20;

    public static final int TYPE_REQUEST = 1;
    public static final int TYPE_RESPONSE = 2;
    /** Streaming data (ttrpc 1.2+); this implementation only does unary calls and ignores it. */
    public static final int TYPE_DATA = 3;

    public Frame {
        if (type < 0 || type > 0xff || flags < 0 || flags > 0xff) {
            throw new IllegalArgumentException("type and flags are single bytes: type=" + type + " flags=" + flags);
        }
        if (data.length > MAX_DATA_LENGTH) {
            throw new IllegalArgumentException(
                    "frame data of " + data.length + " bytes exceeds the ttrpc maximum of " + MAX_DATA_LENGTH);
        }
    }

    public static Frame request(int streamId, byte[] data) {
        return new Frame(streamId, TYPE_REQUEST, 0, data);
    }

    public static Frame response(int streamId, byte[] data) {
        return new Frame(streamId, TYPE_RESPONSE, 0, data);
    }

    /** The frame exactly as it goes on the wire: header then data. */
    public byte[] encode() {
        return ByteBuffer.allocate(HEADER_LENGTH + data.length) // ByteBuffer is big-endian by default
                .putInt(data.length)
                .putInt(streamId)
                .put((byte) type)
                .put((byte) flags)
                .put(data)
                .array();
    }

    /** The wire bytes in {@code hexdump -C} layout, for looking at real traffic. */
    public String hexdump() {
        return HexDump.format(encode());
    }

    public static String typeName(int type) {
        return switch (type) {
            case TYPE_REQUEST -> "request";
            case TYPE_RESPONSE -> "response";
            case TYPE_DATA -> "data";
            default -> "unknown(" + type + ")";
        };
    }

    // A record compares arrays by identity; two frames with the same bytes should be equal.
    @Override
    public boolean equals(Object other) {
        return other instanceof Frame that
                && streamId == that.streamId
                && type == that.type
                && flags == that.flags
                && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * streamId + type) + flags) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Frame[stream=" + Integer.toUnsignedString(streamId)
                + ", type=" + typeName(type)
                + ", flags=0x" + String.format("%02x", flags)
                + ", length=" + data.length + "]";
    }
}
