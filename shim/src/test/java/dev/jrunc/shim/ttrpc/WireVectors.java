package dev.jrunc.shim.ttrpc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Bytes captured on the socket between containerd 1.6.20 and containerd-shim-runc-v2, while ctr ran a container. */
final class WireVectors {

    private WireVectors() {
    }

    /** Request header: length 0x29, stream 3, type request, flags 0. */
    static final byte[] REQUEST_HEADER = bytes(0x00, 0x00, 0x00, 0x29, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00);

    /** ConnectRequest{id: "px1"}, the payload inside the request. */
    static final byte[] CONNECT_PAYLOAD = concat(bytes(0x0a, 0x03), ascii("px1"));

    /** ttrpc.Request{service: "containerd.task.v2.Task", method: "Connect", payload: CONNECT_PAYLOAD}. */
    static final byte[] REQUEST_BODY = concat(
            bytes(0x0a, 0x17), ascii("containerd.task.v2.Task"),
            bytes(0x12, 0x07), ascii("Connect"),
            bytes(0x1a, 0x05), CONNECT_PAYLOAD);

    static final byte[] REQUEST_FRAME = concat(REQUEST_HEADER, REQUEST_BODY);

    /** Response header: length 8, stream 3, type response, flags 0. */
    static final byte[] RESPONSE_HEADER = bytes(0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x03, 0x02, 0x00);

    /** ConnectResponse{shim_pid: 14888, task_pid: 14923}. */
    static final byte[] CONNECT_RESPONSE_PAYLOAD = bytes(0x08, 0xa8, 0x74, 0x10, 0xcb, 0x74);

    /** ttrpc.Response{payload: CONNECT_RESPONSE_PAYLOAD}, no status. */
    static final byte[] RESPONSE_BODY = concat(bytes(0x12, 0x06), CONNECT_RESPONSE_PAYLOAD);

    static final byte[] RESPONSE_FRAME = concat(RESPONSE_HEADER, RESPONSE_BODY);

    static final String NOT_CREATED = "container not created: not found";

    /** ttrpc.Response{status: {code: 5 NOT_FOUND, message: NOT_CREATED}}, the answer to State{id: "nope"}. */
    static final byte[] ERROR_RESPONSE_BODY = concat(bytes(0x0a, 0x24, 0x08, 0x05, 0x12, 0x20), ascii(NOT_CREATED));

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
