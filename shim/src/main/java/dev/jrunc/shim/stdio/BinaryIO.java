package dev.jrunc.shim.stdio;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.jrunc.shim.posix.Poller;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.reaper.Reaper;

/**
 * A process's output handed to a logging program instead of FIFOs: {@code binary:///path/to/logger?key=value},
 * what {@code ctr run --log-uri} and CRI-less clients use for pluggable logging, handled as the Go shim does.
 *
 * <p>The shim starts the program once per process, before runc: the process's stdout pipe is the logger's fd 3, its
 * stderr pipe fd 4, and fd 5 is how the logger says "ready" — by closing it (or writing a byte); until then, Create
 * waits. The logger's environment is only {@code CONTAINER_ID} and {@code CONTAINER_NAMESPACE}; its arguments are
 * the URI's query, each key followed by its value. The shim keeps the pipes' write ends until the process is
 * deleted; then it closes them (the logger reads end of file), sends SIGTERM, and after 12 s SIGKILL.
 */
final class BinaryIO implements ProcessIO {
    private static final System.Logger LOG = System.getLogger("jrunc.stdio");
    /** The Go shim's patience with a logger that was asked to stop. */
    private static final long STOP_MILLIS = 12_000;
    /** The Go shim waits for "ready" without a bound; a logger that never says it must not hold Create for ever. */
    private static final int READY_MILLIS = 30_000;

    private final Reaper.Child logger;
    private int stdoutWriter;
    private int stderrWriter;
    private int stdoutReader;
    private int stderrReader;

    private BinaryIO(Reaper.Child logger, int[] stdout, int[] stderr) {
        this.logger = logger;
        this.stdoutReader = stdout[0];
        this.stdoutWriter = stdout[1];
        this.stderrReader = stderr[0];
        this.stderrWriter = stderr[1];
    }

    /**
     * @param id        the container's id for its init, the exec's id for an exec (the Go shim's CONTAINER_ID)
     * @param namespace containerd's namespace the shim serves
     */
    static BinaryIO open(String id, String namespace, String uri) throws IOException {
        URI parsed = URI.create(uri);
        if (parsed.getPath() == null || !parsed.getPath().startsWith("/")) {
            throw new IOException("jrunc: binary:// log URI needs an absolute path: " + uri);
        }
        int[] stdout = Posix.pipe();
        int[] stderr = Posix.pipe();
        int[] ready = Posix.pipe();
        Reaper.Child child = null;
        try {
            List<String> argv = new ArrayList<>(List.of(parsed.getPath()));
            argv.addAll(queryArguments(parsed.getRawQuery()));
            child = Reaper.start().spawn(Spawn.of(parsed.getPath(), argv)
                    .stdio(-1, -1, -1).fd(3, stdout[0]).fd(4, stderr[0]).fd(5, ready[1])
                    .env(Map.of("CONTAINER_ID", id, "CONTAINER_NAMESPACE", namespace)));
            Posix.close(ready[1]);
            ready[1] = -1;
            awaitReady(ready[0], parsed.getPath());
            return new BinaryIO(child, stdout, stderr);
        } catch (IOException | RuntimeException e) {
            Posix.closeQuietly(stdout[0], stdout[1], stderr[0], stderr[1]);
            if (child != null) {
                try {
                    Posix.kill(child.pid(), Posix.SIGKILL);
                } catch (PosixException gone) {
                    LOG.log(System.Logger.Level.DEBUG, "logging binary already gone: {0}", gone.getMessage());
                }
            }
            throw e;
        } finally {
            Posix.closeQuietly(ready[0], ready[1]);
        }
    }

    /** {@code a=1&b&c=x%20y} → a, 1, b, c, "x y": the Go shim's order is its map's, which is none in particular. */
    static List<String> queryArguments(String rawQuery) {
        List<String> args = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return args;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            args.add(decode(eq < 0 ? pair : pair.substring(0, eq)));
            if (eq >= 0) {
                args.add(decode(pair.substring(eq + 1)));
            }
        }
        return args;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /** Returns when the logger closed fd 5 or wrote to it; its exit counts as ready too, as in the Go shim. */
    private static void awaitReady(int fd, String path) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MILLIS);
        while (!Poller.waitReadable(fd, 250)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("logging binary " + path + " did not close its fd 5 (ready) within "
                        + READY_MILLIS / 1000 + " s");
            }
        }
        Posix.read(fd, new byte[1], 1);
    }

    @Override
    public int childStdin() {
        return -1;
    }

    @Override
    public int childStdout() {
        return stdoutWriter;
    }

    @Override
    public int childStderr() {
        return stderrWriter;
    }

    /** The logger holds the read ends now; ours go (the Go shim's CloseAfterStart). */
    @Override
    public synchronized void started() {
        Posix.closeQuietly(stdoutReader, stderrReader);
        stdoutReader = stderrReader = -1;
    }

    @Override
    public void closeStdin() {
    }

    /** The pipes close, so the logger reads end of file; then SIGTERM, and SIGKILL after 12 s. */
    @Override
    public void close() {
        synchronized (this) {
            if (stdoutWriter < 0) {
                return;
            }
            Posix.closeQuietly(stdoutReader, stdoutWriter, stderrReader, stderrWriter);
            stdoutReader = stdoutWriter = stderrReader = stderrWriter = -1;
        }
        try {
            if (logger.exit().isDone()) {
                return;
            }
            Posix.kill(logger.pid(), Posix.SIGTERM);
            logger.exit().get(STOP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "logging binary (pid {0}) did not exit 12 s after SIGTERM; killing it",
                    String.valueOf(logger.pid()));
            killQuietly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killQuietly();
        } catch (ExecutionException | PosixException e) {
            LOG.log(System.Logger.Level.DEBUG, "stopping the logging binary: {0}", e.getMessage());
        }
    }

    private void killQuietly() {
        try {
            Posix.kill(logger.pid(), Posix.SIGKILL);
        } catch (PosixException e) {
            LOG.log(System.Logger.Level.DEBUG, "logging binary already gone: {0}", e.getMessage());
        }
    }
}
