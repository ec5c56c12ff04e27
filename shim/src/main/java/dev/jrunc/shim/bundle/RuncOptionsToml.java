package dev.jrunc.shim.bundle;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.proto.runc.Options;

/**
 * runc's options written as TOML, the form CRI and {@code ctr run --runtime-config-path} hand a runtime whose type
 * is not runc's: top-level {@code Key = value} lines with the Go names of {@code containerd.runc.v1.Options}
 * ({@code BinaryName = "/usr/bin/runc"}, {@code SystemdCgroup = true}, {@code IoUid = 1000}).
 *
 * <p>A subset of TOML, and a strict one: blank lines, comments, bare keys, basic and literal one-line strings,
 * booleans and decimal integers. That is all containerd's own TOML writers produce for a flat options table
 * (go-toml v1 in 1.7 quotes with {@code "}, go-toml v2 in 2.x with {@code '}), and all runc's options need.
 * Anything else — a table, an array, a multi-line string, a float, a key that is not one of runc's options, a
 * value of the wrong type, a key given twice — is an error naming the line, never skipped: a typo such as
 * {@code SystemdCgroups = true} would otherwise run every container with the other cgroup driver, silently.
 * Why a reader of our own and not a TOML library: docs/decisions/toml-runtime-options.md.
 */
final class RuncOptionsToml {
    private enum Type { STRING, BOOLEAN, UINT32, IGNORED }

    /** runc's options by their Go names, and their protobuf types. */
    private static final Map<String, Type> KEYS = Map.ofEntries(
            Map.entry("BinaryName", Type.STRING),
            Map.entry("Root", Type.STRING),
            Map.entry("SystemdCgroup", Type.BOOLEAN),
            Map.entry("NoPivotRoot", Type.BOOLEAN),
            Map.entry("NoNewKeyring", Type.BOOLEAN),
            Map.entry("ShimCgroup", Type.STRING),
            Map.entry("IoUid", Type.UINT32),
            Map.entry("IoGid", Type.UINT32),
            Map.entry("CriuPath", Type.STRING),
            Map.entry("CriuImagePath", Type.STRING),
            Map.entry("CriuWorkPath", Type.STRING),
            // runtimeoptions.v1.Options' own fields: CRI decodes them from the same options table and leaves them
            // in config_body, which is that table as TOML.
            Map.entry("TypeUrl", Type.IGNORED),
            Map.entry("ConfigPath", Type.IGNORED));

    private final String source;
    private final Options.Builder options = Options.newBuilder();
    private final Map<String, Integer> seenOnLine = new HashMap<>();

    private RuncOptionsToml(String source) {
        this.source = source;
    }

    /**
     * @param source what the lines are, for errors: the file's path, or where else they came from
     * @throws IOException naming the source, the line's number and the line, for anything it does not understand
     */
    static Options parse(List<String> lines, String source) throws IOException {
        RuncOptionsToml reader = new RuncOptionsToml(source);
        for (int i = 0; i < lines.size(); i++) {
            reader.line(i + 1, lines.get(i));
        }
        return reader.options.build();
    }

    private void line(int number, String text) throws IOException {
        Cursor at = new Cursor(text);
        at.skipSpace();
        if (at.atCommentOrEnd()) {
            return;
        }
        if (at.peek() == '[') {
            throw error(number, text, "a table; runc's options are plain Key = value lines, outside any table");
        }
        String key = at.bareKey();
        if (key.isEmpty()) {
            throw error(number, text, "not a Key = value line (keys are bare words such as BinaryName)");
        }
        at.skipSpace();
        if (at.peek() == '.') {
            throw error(number, text, "a dotted key; runc's options are plain Key = value lines");
        }
        if (at.peek() != '=') {
            throw error(number, text, "expected = after " + key);
        }
        at.advance();
        at.skipSpace();
        Object value = value(at, number, text);
        at.skipSpace();
        if (!at.atCommentOrEnd()) {
            throw error(number, text, "unexpected text after the value of " + key);
        }
        set(key, value, number, text);
    }

    private Object value(Cursor at, int number, String text) throws IOException {
        if (at.startsWith("\"\"\"") || at.startsWith("'''")) {
            throw error(number, text, "a multi-line string; write it on one line");
        }
        char c = at.peek();
        try {
            if (c == '"') {
                return at.basicString();
            }
            if (c == '\'') {
                return at.literalString();
            }
        } catch (IllegalArgumentException e) {
            throw error(number, text, e.getMessage());
        }
        String word = at.word();
        if (word.equals("true") || word.equals("false")) {
            return Boolean.valueOf(word);
        }
        if (word.matches("[+-]?(0|[1-9](_?[0-9])*)")) {
            try {
                return Long.valueOf(word.replace("_", ""));
            } catch (NumberFormatException tooLong) {
                throw error(number, text, "a number out of range: " + word);
            }
        }
        if (c == '[' || c == '{') {
            throw error(number, text, (c == '[' ? "an array" : "an inline table") + "; runc's options are strings, booleans and numbers");
        }
        throw error(number, text, word.isEmpty() ? "no value after =" : "a value this reader does not understand: " + word
                + " (strings are quoted: \"…\" or '…')");
    }

    private void set(String key, Object value, int number, String text) throws IOException {
        Type type = KEYS.get(key);
        if (type == null) {
            throw error(number, text, "unknown key " + key + "; runc's options are " + String.join(", ", KEYS.keySet().stream()
                    .filter(k -> KEYS.get(k) != Type.IGNORED).sorted().toList()));
        }
        Integer first = seenOnLine.putIfAbsent(key, number);
        if (first != null) {
            throw error(number, text, key + " is already set on line " + first);
        }
        switch (type) {
            case STRING -> {
                String s = typed(value, String.class, key, "a string", number, text);
                switch (key) {
                    case "BinaryName" -> options.setBinaryName(s);
                    case "Root" -> options.setRoot(s);
                    case "ShimCgroup" -> options.setShimCgroup(s);
                    case "CriuPath" -> options.setCriuPath(s);
                    case "CriuImagePath" -> options.setCriuImagePath(s);
                    default -> options.setCriuWorkPath(s);
                }
            }
            case BOOLEAN -> {
                boolean b = typed(value, Boolean.class, key, "true or false", number, text);
                switch (key) {
                    case "SystemdCgroup" -> options.setSystemdCgroup(b);
                    case "NoPivotRoot" -> options.setNoPivotRoot(b);
                    default -> options.setNoNewKeyring(b);
                }
            }
            case UINT32 -> {
                long n = typed(value, Long.class, key, "a number", number, text);
                if (n < 0 || n > 0xffff_ffffL) {
                    throw error(number, text, key + " is out of range (0 to 4294967295)");
                }
                if (key.equals("IoUid")) {
                    options.setIoUid((int) n);
                } else {
                    options.setIoGid((int) n);
                }
            }
            case IGNORED -> {
                // see KEYS
            }
        }
    }

    private <T> T typed(Object value, Class<T> type, String key, String what, int number, String text) throws IOException {
        if (!type.isInstance(value)) {
            throw error(number, text, key + " takes " + what);
        }
        return type.cast(value);
    }

    private IOException error(int number, String text, String what) {
        return new IOException(source + ", line " + number + ": " + what + ": " + text.strip());
    }

    /** One line, read left to right. */
    private static final class Cursor {
        private final String text;
        private int at;

        Cursor(String text) {
            this.text = text;
        }

        char peek() {
            return at < text.length() ? text.charAt(at) : '\0';
        }

        void advance() {
            at++;
        }

        boolean startsWith(String prefix) {
            return text.startsWith(prefix, at);
        }

        void skipSpace() {
            while (peek() == ' ' || peek() == '\t') {
                at++;
            }
        }

        boolean atCommentOrEnd() {
            return at >= text.length() || peek() == '#';
        }

        /** TOML's bare key: letters, digits, _ and -. */
        String bareKey() {
            int start = at;
            while (at < text.length() && (Character.isLetterOrDigit(peek()) && peek() < 128 || peek() == '_' || peek() == '-')) {
                at++;
            }
            return text.substring(start, at);
        }

        /** Up to the next space, tab or comment: an unquoted value. */
        String word() {
            int start = at;
            while (at < text.length() && peek() != ' ' && peek() != '\t' && peek() != '#') {
                at++;
            }
            return text.substring(start, at);
        }

        /** '…': no escapes. */
        String literalString() {
            int end = text.indexOf('\'', at + 1);
            if (end < 0) {
                throw new IllegalArgumentException("a string without its closing '");
            }
            String s = text.substring(at + 1, end);
            at = end + 1;
            return s;
        }

        /** "…" with TOML's escapes. */
        String basicString() {
            StringBuilder s = new StringBuilder();
            at++;
            while (true) {
                if (at >= text.length()) {
                    throw new IllegalArgumentException("a string without its closing \"");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    return s.toString();
                }
                if (c != '\\') {
                    s.append(c);
                    continue;
                }
                char e = at < text.length() ? text.charAt(at++) : '\0';
                switch (e) {
                    case '"', '\\' -> s.append(e);
                    case 'b' -> s.append('\b');
                    case 't' -> s.append('\t');
                    case 'n' -> s.append('\n');
                    case 'f' -> s.append('\f');
                    case 'r' -> s.append('\r');
                    case 'u' -> s.appendCodePoint(hex(4));
                    case 'U' -> s.appendCodePoint(hex(8));
                    default -> throw new IllegalArgumentException("an escape TOML does not have: \\" + e);
                }
            }
        }

        private int hex(int digits) {
            if (at + digits > text.length() || !text.substring(at, at + digits).matches("[0-9a-fA-F]+")) {
                throw new IllegalArgumentException("a \\u or \\U escape without its " + digits + " hex digits");
            }
            int code = Integer.parseUnsignedInt(text.substring(at, at + digits), 16);
            if (!Character.isValidCodePoint(code)) {
                throw new IllegalArgumentException("an escape that is no Unicode character");
            }
            at += digits;
            return code;
        }
    }
}
