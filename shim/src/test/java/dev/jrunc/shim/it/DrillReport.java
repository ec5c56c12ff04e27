package dev.jrunc.shim.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.jrunc.testkit.Testkit;

/**
 * What a drill held, in figures a reader can check: counts before and after, latencies, statuses. Each line goes
 * to stdout (failsafe keeps it in {@code target/failsafe-reports/<class>-output.txt}) and to
 * {@code target/drills/<drill>.txt}, which {@code ./verify.sh soak} prints at the end.
 */
final class DrillReport {
    private final String drill;
    private final Path file;

    private DrillReport(String drill, Path file) {
        this.drill = drill;
        this.file = file;
    }

    /** A fresh report for one drill (an earlier run's file is replaced). */
    static DrillReport start(String drill) {
        Path file = Testkit.shimProject().resolve("target/drills").resolve(drill + ".txt");
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DrillReport(drill, file);
    }

    /** One figure line, e.g. {@code line("shim fds: before 41, after 41")}. */
    DrillReport line(String format, Object... args) {
        String text = "[drill " + drill + "] " + String.format(format, args);
        System.out.println(text);
        try {
            Files.writeString(file, text + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Milliseconds since {@code startNanos} (from {@link System#nanoTime()}). */
    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
