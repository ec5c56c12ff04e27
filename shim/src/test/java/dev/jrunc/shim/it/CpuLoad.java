package dev.jrunc.shim.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the machine's cores busy while a drill runs: one {@code sha256sum /dev/zero} per core (or as many as asked),
 * started here, recorded, and killed by {@link #close()} — only these processes, never anything else. Races between
 * the shim's threads show up far more often when the scheduler has to choose who runs.
 */
final class CpuLoad implements AutoCloseable {
    private final List<Process> burners = new ArrayList<>();

    private CpuLoad() {
    }

    /** Starts {@code count} burners (0: none, e.g. when a drill is asked to run on a quiet machine). */
    static CpuLoad start(int count) {
        CpuLoad load = new CpuLoad();
        try {
            for (int i = 0; i < count; i++) {
                load.burners.add(new ProcessBuilder("sha256sum", "/dev/zero")
                        .redirectInput(new File("/dev/null"))
                        .redirectOutput(new File("/dev/null"))
                        .redirectError(new File("/dev/null"))
                        .start());
            }
        } catch (IOException e) {
            load.close();
            throw new UncheckedIOException("could not start sha256sum /dev/zero", e);
        }
        return load;
    }

    int count() {
        return burners.size();
    }

    /** True while every burner still runs (a load that died would make the drill's claim about load untrue). */
    boolean allAlive() {
        return burners.stream().allMatch(Process::isAlive);
    }

    List<Long> pids() {
        return burners.stream().map(Process::pid).toList();
    }

    @Override
    public void close() {
        for (Process burner : burners) {
            burner.destroyForcibly();
        }
        for (Process burner : burners) {
            try {
                burner.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
