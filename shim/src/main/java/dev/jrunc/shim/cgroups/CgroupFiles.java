package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reading cgroup files the way containerd's cgroups library does.
 *
 * <p>A file that does not exist is not an error: a controller may be missing from the kernel (no rdma, no
 * hugetlb), a file may belong to another kernel version (memory.kmem.* is gone from recent ones), or the cgroup
 * may have been removed a moment ago. containerd asks for its stats with {@code IgnoreNotExist}; every reader
 * here returns empty and the figure stays 0.
 *
 * <p>Numbers are unsigned 64-bit, kept in a Java {@code long} (protobuf's uint64 is the same 64 bits);
 * {@link Long#toUnsignedString} shows them right.
 */
public final class CgroupFiles {
    /** 2^64-1: what "max" (no limit) becomes where containerd's figures turn it into a number. */
    public static final long UNLIMITED = -1L;

    private CgroupFiles() {
    }

    /** The file's text, or empty if it does not exist. */
    public static Optional<String> read(Path file) throws IOException {
        try {
            // ISO-8859-1 maps every byte to a char: no decoding error can hide a figure.
            return Optional.of(Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** A file holding one number, like memory.usage_in_bytes; empty if missing. */
    public static OptionalLong readUint(Path file) throws IOException {
        Optional<String> text = read(file);
        return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(number(file, text.get().strip()));
    }

    /**
     * A file holding a number or "max", like pids.max or memory.max; "max" gives {@code whenMax}, a missing file
     * {@code whenMissing}.
     */
    public static long readLimit(Path file, long whenMax, long whenMissing) throws IOException {
        Optional<String> text = read(file);
        if (text.isEmpty()) {
            return whenMissing;
        }
        String value = text.get().strip();
        return value.equals("max") ? whenMax : number(file, value);
    }

    private static long number(Path file, String value) throws IOException {
        try {
            return parseUint(value);
        } catch (NumberFormatException e) {
            throw new IOException(file + ": not a number: " + value);
        }
    }

    /**
     * An unsigned decimal. Negative values become 0, as in containerd (memory.kmem.limit_in_bytes can say -1 on
     * some kernels).
     *
     * @throws NumberFormatException if it is no number at all
     */
    public static long parseUint(String text) {
        if (text.startsWith("-") && text.length() > 1 && text.substring(1).chars().allMatch(Character::isDigit)) {
            return 0;
        }
        return Long.parseUnsignedLong(text);
    }

    /**
     * A "flat keyed" file: one {@code key value} pair per line (memory.stat, cpu.stat, memory.events,
     * memory.oom_control). Lines that are not a key and a number are skipped; the kernel adds keys over the
     * years, and one we do not know must not cost the others.
     */
    public static Map<String, Long> parseKeyValues(String text) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length != 2) {
                continue;
            }
            try {
                values.put(fields[0], parseUint(fields[1]));
            } catch (NumberFormatException e) {
                // not a number (e.g. a v2 "max"): not a figure of ours
            }
        }
        return values;
    }

    /** {@link #parseKeyValues} of a file; empty map if it is missing. */
    public static Map<String, Long> readKeyValues(Path file) throws IOException {
        Optional<String> text = read(file);
        return text.isEmpty() ? Map.of() : parseKeyValues(text.get());
    }
}
