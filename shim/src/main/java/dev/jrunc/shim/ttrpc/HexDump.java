package dev.jrunc.shim.ttrpc;

/** Formats bytes like {@code hexdump -C}: offset, 16 hex bytes in two groups of 8, then printable ASCII. */
public final class HexDump {

    private static final int BYTES_PER_LINE = 16;

    private HexDump() {
    }

    public static String format(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int lineStart = 0; lineStart < bytes.length; lineStart += BYTES_PER_LINE) {
            int lineEnd = Math.min(lineStart + BYTES_PER_LINE, bytes.length);
            out.append(String.format("%08x ", lineStart));
            for (int i = lineStart; i < lineStart + BYTES_PER_LINE; i++) {
                if (i % 8 == 0) {
                    out.append(' ');
                }
                out.append(i < lineEnd ? String.format("%02x ", bytes[i] & 0xff) : "   ");
            }
            out.append(" |");
            for (int i = lineStart; i < lineEnd; i++) {
                char c = (char) (bytes[i] & 0xff);
                out.append(c >= 0x20 && c < 0x7f ? c : '.');
            }
            out.append("|\n");
        }
        return out.toString();
    }
}
