package dev.jrunc.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The run in six lines, each per mode beside the Go shim: what a user waits for ({@code ctr run --rm}, the same
 * without runc's own share, many containers at once) and what an idle shim holds per container. These are the
 * rows the performance targets are set on; the tables above show where each comes from.
 */
final class Summary {
    /** The container count the idle figures are taken at: enough shims for shared pages to show as shared. */
    static final int IDLE_POINT = 10;

    private final Results results;

    Summary(Results results) {
        this.results = results;
    }

    void print(PrintStream out) {
        out.printf("%nsummary: medians of this run; memory per container at %d containers running%n", IDLE_POINT);
        out.printf("  %-48s %10s %10s %7s %10s %7s%n", "measure", "Go runc-v2", "per-pod", "× Go", "shared", "× Go");
        row(out, "ctr run --rm /bin/true (ms)", mode -> p50(RunRmPhase.KEY, mode.key));
        row(out, "the same above runc run alone (ms)", mode -> p50(RunRmPhase.KEY, mode.key)
                .flatMap(run -> p50(RunRmPhase.KEY, Results.FLOOR).map(floor -> run - floor)));
        String parallel = results.find(ParallelPhase.KEY, Mode.GO.key).map(s -> s.title).orElse("many ctr run -d at once");
        row(out, parallel + " (ms)", mode -> p50(ParallelPhase.KEY, mode.key));
        row(out, "RSS per container (MiB)", mode -> idle(mode, m -> m.rssMiB()));
        row(out, "PSS per container (MiB)", mode -> idle(mode, m -> m.pssMiB()));
        row(out, "threads per container", mode -> idle(mode, m -> (double) m.threads()));
    }

    private void row(PrintStream out, String measure, Function<Mode, Optional<Double>> figure) {
        Optional<Double> go = figure.apply(Mode.GO);
        StringBuilder line = new StringBuilder(String.format("  %-48s %10s", measure, go.map(Format::number).orElse("-")));
        for (Mode mode : List.of(Mode.PER_POD, Mode.SHARED)) {
            Optional<Double> ours = figure.apply(mode);
            String ratio = ours.isPresent() && go.isPresent() && go.get() > 0 ? String.format("%.2f", ours.get() / go.get()) : "";
            line.append(String.format(" %10s %7s", ours.map(Format::number).orElse("-"), ratio));
        }
        out.println(line);
    }

    private Optional<Double> p50(String key, String variant) {
        return results.find(key, variant).filter(s -> !s.samples.isEmpty()).map(s -> s.stats().p50());
    }

    /** A measure of all the mode's shims at {@link #IDLE_POINT} containers, per container. */
    private Optional<Double> idle(Mode mode, java.util.function.ToDoubleFunction<Results.MemoryPoint> measure) {
        return results.memoryAt(mode.key, IDLE_POINT).map(m -> measure.applyAsDouble(m) / m.containers());
    }
}
