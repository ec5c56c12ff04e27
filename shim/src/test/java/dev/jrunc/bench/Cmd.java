package dev.jrunc.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command and times it from just before the fork to just after its exit: the wall time a caller such as
 * containerd waits. stdout and stderr go together to a file (as containerd reads a shim's {@code start} output),
 * not to a pipe, so no reader thread competes with the command while it is being timed.
 */
final class Cmd {
    /** The benchmark's scratch folder for output files; set once by Bench. */
    static volatile Path scratch = Path.of(System.getProperty("java.io.tmpdir"));

    record Result(List<String> command, int exit, long startNanos, long endNanos, String output, boolean timedOut) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }

        double millis() {
            return (endNanos - startNanos) / 1e6;
        }

        /** For error messages: the command, how it ended, and the end of what it printed. */
        String describe() {
            String tail = output.length() > 600 ? "…" + output.substring(output.length() - 600) : output;
            return String.join(" ", command) + (timedOut ? " timed out" : " exited " + exit)
                    + (tail.isBlank() ? "" : ": " + tail.strip());
        }
    }

    private Cmd() {
    }

    static Result run(List<String> command, Path cwd, Map<String, String> env, Duration timeout) {
        return finish(start(command, cwd, env), command, timeout);
    }

    /** The started process plus its output file and start time, for callers that start many at once. */
    record Started(Process process, File output, long startNanos) {
    }

    static Started start(List<String> command, Path cwd, Map<String, String> env) {
        try {
            File output = Files.createTempFile(scratch, "cmd", ".out").toFile();
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(output)
                    .redirectErrorStream(true);
            if (cwd != null) {
                pb.directory(cwd.toFile());
            }
            pb.environment().putAll(env);
            long startNanos = System.nanoTime();
            return new Started(pb.start(), output, startNanos);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        }
    }

    /** Waits for a started command; SIGKILL after the timeout (ctr forwards SIGTERM to its container instead). */
    static Result finish(Started started, List<String> command, Duration timeout) {
        Process process = started.process();
        boolean timedOut = false;
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            timedOut = true;
        }
        long endNanos = System.nanoTime();
        String output;
        try {
            output = Files.readString(started.output().toPath(), StandardCharsets.UTF_8);
            Files.deleteIfExists(started.output().toPath());
        } catch (IOException e) {
            output = "(output unreadable: " + e.getMessage() + ")";
        }
        int exit = process.isAlive() ? -1 : process.exitValue();
        return new Result(command, exit, started.startNanos(), endNanos, output, timedOut);
    }
}
