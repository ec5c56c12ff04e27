package dev.jrunc.bench;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code log} FIFO containerd puts into every bundle before it runs {@code start}, and reads the shim's log
 * from. It matters: the Go shim opens it at start-up and exits if it is missing; ours writes to it if a reader is
 * there. We read it like containerd (and throw the text away).
 *
 * <p>The reader thread blocks in open() until a shim opens the other end — a reader blocked in open() already
 * counts as a reader, so a shim's non-blocking open succeeds — and ends at EOF, when the shim is gone.
 */
final class LogFifo implements AutoCloseable {
    private final Path fifo;
    private final Thread reader;

    private LogFifo(Path fifo) {
        this.fifo = fifo;
        this.reader = new Thread(this::drain, "log fifo " + fifo);
        reader.setDaemon(true);
        reader.start();
    }

    static LogFifo in(Path bundle) {
        Path fifo = bundle.resolve("log");
        Cmd.Result r = Cmd.run(List.of("mkfifo", "-m", "0700", fifo.toString()), null, Map.of(), Duration.ofSeconds(10));
        if (!r.ok()) {
            throw new IllegalStateException("cannot make the log FIFO: " + r.describe());
        }
        return new LogFifo(fifo);
    }

    private void drain() {
        try (FileInputStream in = new FileInputStream(fifo.toFile())) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the bundle went away: nothing more to read
        }
    }

    /**
     * Call when the shim is gone (or has moved its log on). If our reader still waits in open(), opening the
     * FIFO read-write (which never blocks) lets it through; it then sees EOF once no shim holds the FIFO. A
     * shared shim may keep writing to it; then the reader simply stays, a daemon thread.
     */
    @Override
    public void close() {
        if (reader.isAlive()) {
            try {
                new RandomAccessFile(fifo.toFile(), "rw").close();   // opened and closed: that is all it takes
            } catch (IOException e) {
                // the FIFO is gone already
            }
            try {
                reader.join(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
