package dev.jrunc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code ./verify.sh bench}: the Go shim and ours (per-pod and shared mode) side by side under one private containerd,
 * which shim/scripts/bench.sh has started and will stop. Never part of the tests, and it asserts nothing about speed:
 * it measures, prints a table, and writes results.json, results.csv and results.svg (the chart the workbook's
 * performance chapter includes), with the targets ({@link Targets}) marked against the figures.
 *
 * <p>Phases, in this order (BENCH_PHASES selects): mem (memory at 1/10/50 containers, first, while no other shim of
 * ours runs), run (ctr run --rm and the runc floor), cold (start and delete alone), ttrpc (State, Create, Start),
 * parallel (20 at once). A phase that fails is reported and the next one still runs; the exit status is then 1.
 */
public final class Bench {
    private static final Pattern SHIM_SOCKET = Pattern.compile("/run/containerd/s/[0-9a-f]{64}");

    private final Config config;
    private final Results results = new Results();
    private final Ctr ctr;
    private final Ledger ledger;
    private final PrintStream out = System.out;
    private Bundles bundles;
    private long phaseStart;

    private Bench(Config config) {
        this.config = config;
        this.ctr = new Ctr(config);
        this.ledger = new Ledger(config.dir().resolve("bench.ledger"));
    }

    public static void main(String[] args) throws Exception {
        // Figures go into JSON, CSV and SVG: always a '.' decimal point, whatever the machine's locale.
        java.util.Locale.setDefault(java.util.Locale.ROOT);
        if (args.length == 2 && args[0].equals("--render")) {
            // Table and files again from a saved results.json, next to it: no measuring, no root.
            Path saved = Path.of(args[1]).toAbsolutePath();
            System.exit(report(SavedRun.read(saved), saved.getParent(), System.out));
        }
        Config config = Config.fromEnvironment(System.getenv());
        System.exit(new Bench(config).runAll());
    }

    private int runAll() throws IOException {
        Files.createDirectories(config.dir().resolve("tmp"));
        Files.createDirectories(config.out());
        Cmd.scratch = config.dir().resolve("tmp");
        Machine.describe(config, results.info);
        describeSettings();
        new Report(results, out).header();
        results.load.put("start", Machine.loadAverage());
        long began = System.nanoTime();
        noteSharedShim(config.namespace());
        bundles = Bundles.capture(ctr, config);

        for (Phase phase : List.of(new MemoryPhase(), new RunRmPhase(), new ColdPhase(), new TtrpcPhase(), new ParallelPhase())) {
            if (!config.has(phase.name())) {
                continue;
            }
            results.load.put(phase.name(), Machine.loadAverage());
            out.printf("%n== %s (load average %s)%n", phase.name(), results.load.get(phase.name()));
            phaseStart = System.nanoTime();
            try {
                phase.run(this);
            } catch (Exception e) {
                results.errors.add(phase.name() + ": " + e);
                out.println("  phase " + phase.name() + " FAILED: " + e);
                e.printStackTrace();
            }
            out.printf("  %s done in %.0f s%n", phase.name(), (System.nanoTime() - phaseStart) / 1e9);
        }
        results.load.put("end", Machine.loadAverage());
        results.settings.put("duration", String.format(java.util.Locale.ROOT, "%.1f min", (System.nanoTime() - began) / 60e9));

        out.println();
        return report(results, config.out(), out);
    }

    /** The table, then results.json, results.csv and results.svg in DIR; 1 if the run recorded errors. */
    static int report(Results results, Path dir, PrintStream out) throws IOException {
        List<Targets.Target> targets = Targets.check(results);
        Report report = new Report(results, out);
        report.header();
        report.table(targets);
        Path json = dir.resolve("results.json");
        Path csv = dir.resolve("results.csv");
        Path svg = dir.resolve("results.svg");
        Files.writeString(json, JsonReport.write(results, targets));
        Files.writeString(csv, CsvReport.write(results, targets));
        Files.writeString(svg, new SvgChart(results, targets).render());
        out.printf("%nwritten: %s%n         %s%n         %s%n", json, csv, svg);
        if (!results.errors.isEmpty()) {
            out.println("\nerrors:");
            results.errors.forEach(e -> out.println("  " + e));
            return 1;
        }
        return 0;
    }

    private void describeSettings() {
        var s = results.settings;
        s.put("modes", String.join(",", config.modes().stream().map(m -> m.key).toList()));
        s.put("phases", String.join(",", config.phases()));
        s.put("ctr run --rm samples per variant (BENCH_N)", Integer.toString(config.runN()));
        s.put("cold start/delete samples per mode (BENCH_COLD_N)", Integer.toString(config.coldN()));
        s.put("idle State calls per mode (BENCH_STATE_N)", Integer.toString(config.stateN()));
        s.put("Create cycles per mode (BENCH_CREATE_N)", Integer.toString(config.createN()));
        s.put("memory at containers (BENCH_MEM_COUNTS)", String.join(",", config.memCounts().stream().map(String::valueOf).toList()));
        s.put("parallel starts (BENCH_PARALLEL × BENCH_PARALLEL_REPS)", config.parallel() + " × " + config.parallelReps());
        s.put("order", "alternating rounds, rotated: A B C, B C A, C A B, …");
    }

    Config config() {
        return config;
    }

    Results results() {
        return results;
    }

    Ctr ctr() {
        return ctr;
    }

    Ledger ledger() {
        return ledger;
    }

    Bundles bundles() {
        return bundles;
    }

    /**
     * A namespace the shared mode will run in gets one shim, started by containerd on first use and outliving its
     * containers; the fixture's stop kills it and removes its socket, but not the pid file it advertises itself with.
     */
    void noteSharedShim(String ns) {
        if (config.modes().contains(Mode.SHARED)) {
            var socket = ShimBinary.socketFor(config.socket().toString(), ns, Mode.SHARED_GROUP);
            ledger.note("socket", socket.toString());
            ledger.note("pidfile", ShimBinary.sharedPidFile(socket).toString());
        }
    }

    void say(String line) {
        out.println(line);
    }

    /** A progress line about five times per phase, so a long run shows it is alive without flooding the log. */
    void progress(int done, int total) {
        int every = Math.max(1, total / 5);
        if (done % every == 0 || done == total) {
            out.printf("  %d/%d (%.0f s, load %s)%n", done, total, (System.nanoTime() - phaseStart) / 1e9, Machine.loadAverage());
        }
    }

    /** Removes a shim socket, and only something that has the exact shape of one. */
    static void removeSocket(Path socket) throws IOException {
        if (SHIM_SOCKET.matcher(socket.toString()).matches() && !Files.isDirectory(socket)) {
            Files.deleteIfExists(socket);
        }
    }

    /** Deletes a folder the benchmark made, unless something is mounted in it (then it is left for the fixture). */
    static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        String prefix = dir.toAbsolutePath().normalize().toString();
        boolean mounted = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(l -> l.split(" ")[4])
                .anyMatch(m -> m.equals(prefix) || m.startsWith(prefix + "/"));
        if (mounted) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
