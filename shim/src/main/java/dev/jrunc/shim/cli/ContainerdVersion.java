package dev.jrunc.shim.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import dev.jrunc.shim.proto.version.VersionResponse;

/**
 * Asks a running containerd for its version: one unary gRPC call, {@code containerd.services.version.v1.Version/
 * Version}, on the socket containerd named with {@code -address}.
 *
 * <p>Why: containerd 1.7 and 2.0–2.2 start a shim with the same flags, the same environment and the same stdin,
 * yet only 2.x accepts the bootstrap answer version 3 (1.7 refuses it). The one thing that tells them apart is
 * containerd itself, so {@code start} asks it. gRPC is HTTP/2, and the shim carries no HTTP/2 library, so this is
 * the smallest client that one call needs (RFC 9113): the preface, our SETTINGS, a HEADERS frame whose header
 * block uses only HPACK's static table and literals (no dynamic table, no Huffman: nothing to decode), one DATA
 * frame with the empty request, then frames are read until the stream ends. The answer's headers are skipped,
 * which is why no HPACK decoder is needed; its DATA is the gRPC message. Anything unexpected, or no answer within
 * the deadline, means "unknown", never a guess.
 */
final class ContainerdVersion {
    private static final String PATH = "/containerd.services.version.v1.Version/Version";
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7;
    private static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4, PADDED = 0x8;
    private static final int STREAM = 1;
    private static final int MAX_ANSWER = 64 * 1024;

    private ContainerdVersion() {
    }

    /** The version containerd reports (e.g. {@code 1.7.24~ds1}, {@code v2.1.9}), or empty if it did not answer in time. */
    static Optional<String> ask(String grpcAddress, Duration deadline) {
        String path = ShimSocket.stripScheme(grpcAddress);
        if (path.isEmpty()) {
            return Optional.empty();
        }
        AtomicReference<String> answer = new AtomicReference<>();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // A blocking call on a thread of its own, so that the deadline holds whatever containerd does:
            // closing the channel ends a read that waits.
            Thread call = new Thread(() -> {
                try {
                    channel.connect(UnixDomainSocketAddress.of(path));
                    answer.set(call(channel));
                } catch (IOException | RuntimeException e) {
                    // no answer: unknown
                }
            }, "containerd-version");
            call.setDaemon(true);
            call.start();
            call.join(deadline.toMillis());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        return Optional.ofNullable(answer.get()).filter(v -> !v.isEmpty());
    }

    /** The major version in a version string such as {@code v2.1.9}, {@code 1.7.24~ds1}, or empty if it has none. */
    static Optional<Integer> major(String version) {
        String v = version.startsWith("v") ? version.substring(1) : version;
        int end = 0;
        while (end < v.length() && Character.isDigit(v.charAt(end))) {
            end++;
        }
        return end == 0 || end > 6 ? Optional.empty() : Optional.of(Integer.parseInt(v.substring(0, end)));
    }

    private static String call(SocketChannel channel) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(PREFACE);
        frame(request, SETTINGS, 0, 0, new byte[0]);
        frame(request, HEADERS, END_HEADERS, STREAM, headerBlock());
        frame(request, DATA, END_STREAM, STREAM, new byte[5]);   // gRPC: not compressed, length 0 (Empty)
        write(channel, request.toByteArray());

        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            ByteBuffer header = read(channel, 9);
            int length = (header.get(0) & 0xff) << 16 | (header.get(1) & 0xff) << 8 | header.get(2) & 0xff;
            int type = header.get(3) & 0xff;
            int flags = header.get(4) & 0xff;
            int stream = header.getInt(5) & 0x7fffffff;
            if (length > MAX_ANSWER) {
                throw new IOException("frame too large: " + length);
            }
            byte[] payload = read(channel, length).array();
            if (type == SETTINGS && (flags & ACK) == 0) {
                ByteArrayOutputStream ack = new ByteArrayOutputStream();
                frame(ack, SETTINGS, ACK, 0, new byte[0]);
                write(channel, ack.toByteArray());
            } else if (type == PING && (flags & ACK) == 0) {
                ByteArrayOutputStream pong = new ByteArrayOutputStream();
                frame(pong, PING, ACK, 0, payload);
                write(channel, pong.toByteArray());
            } else if (type == GOAWAY || type == RST_STREAM && stream == STREAM) {
                throw new IOException("containerd ended the call (frame type " + type + ")");
            } else if (type == DATA && stream == STREAM) {
                int padding = (flags & PADDED) != 0 ? payload[0] & 0xff : 0;
                int from = (flags & PADDED) != 0 ? 1 : 0;
                message.write(payload, from, payload.length - from - padding);
            }
            if (stream == STREAM && (type == DATA || type == HEADERS) && (flags & END_STREAM) != 0) {
                break;
            }
            if (message.size() > MAX_ANSWER) {
                throw new IOException("answer too large");
            }
        }
        byte[] grpc = message.toByteArray();
        if (grpc.length < 5 || grpc[0] != 0) {
            throw new IOException("no uncompressed gRPC message in the answer");
        }
        int length = ByteBuffer.wrap(grpc, 1, 4).getInt();
        if (length < 0 || length > grpc.length - 5) {
            throw new IOException("truncated gRPC message");
        }
        return VersionResponse.parseFrom(ByteBuffer.wrap(grpc, 5, length)).getVersion();
    }

    /**
     * The request's headers in HPACK: static-table entries for :method POST (index 3) and :scheme http (6); the
     * rest as "literal without indexing", with a name from the static table (:path 4, :authority 1,
     * content-type 31) or a literal name (te).
     */
    private static byte[] headerBlock() {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x80 | 3);
        block.write(0x80 | 6);
        literalWithIndexedName(block, 4, PATH);
        literalWithIndexedName(block, 1, "localhost");
        literalWithIndexedName(block, 31, "application/grpc");
        block.write(0x00);
        string(block, "te");
        string(block, "trailers");
        return block.toByteArray();
    }

    private static void literalWithIndexedName(ByteArrayOutputStream block, int index, String value) {
        integer(block, 0x00, 4, index);
        string(block, value);
    }

    private static void string(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        integer(block, 0x00, 7, bytes.length);   // high bit 0: not Huffman-coded
        block.writeBytes(bytes);
    }

    /** HPACK's integer: the low {@code prefixBits} of the first byte, then 7 bits a byte (RFC 7541, 5.1). */
    private static void integer(ByteArrayOutputStream block, int firstByte, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            block.write(firstByte | value);
            return;
        }
        block.write(firstByte | max);
        int rest = value - max;
        while (rest >= 128) {
            block.write(rest & 0x7f | 0x80);
            rest >>>= 7;
        }
        block.write(rest);
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        out.write(payload.length >>> 16 & 0xff);
        out.write(payload.length >>> 8 & 0xff);
        out.write(payload.length & 0xff);
        out.write(type);
        out.write(flags);
        out.write(ByteBuffer.allocate(4).putInt(stream).array(), 0, 4);
        out.writeBytes(payload);
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static ByteBuffer read(SocketChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("containerd closed the connection");
            }
        }
        return buffer.flip();
    }
}
