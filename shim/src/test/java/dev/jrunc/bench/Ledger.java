package dev.jrunc.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the benchmark is about to make outside containerd's knowledge, written down BEFORE it is made: shims started
 * by hand on addresses nobody listens on, their sockets, the shared shim's pid file, runc containers under a root of
 * our own. The benchmark removes each of these itself; the ledger is for when it cannot (Ctrl-C, a crash): bench.sh
 * reads it on exit and cleans what is listed, before the fixture's {@code stop} cleans everything containerd knows.
 *
 * <p>One entry per line, {@code <kind> <value>}: {@code address PATH} (kill processes with {@code -address PATH}),
 * {@code socket PATH}, {@code pidfile PATH}, {@code runc ROOT ID}.
 */
final class Ledger {
    private final Path file;

    Ledger(Path file) {
        this.file = file;
    }

    synchronized void note(String kind, String value) {
        try {
            Files.writeString(file, kind + " " + value + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cleanup ledger " + file, e);
        }
    }
}
