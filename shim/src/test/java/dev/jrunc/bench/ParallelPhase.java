package dev.jrunc.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * BENCH_PARALLEL (10) {@code ctr run -d} at once: the total time from launching them until all are RUNNING. ctr run
 * -d returns once its task has started, so the last ctr to exit marks the moment; {@code ctr task ls} then confirms.
 * This is where one JVM per container hurts most (10 JVMs starting on a few cores), and where the shared mode
 * should shine. The shared mode's namespace shim is up before each repetition, as it is in steady use.
 */
final class ParallelPhase implements Phase {
    static final String KEY = "parallel";

    @Override
    public String name() {
        return "parallel";
    }

    @Override
    public void run(Bench bench) throws Exception {
        Config config = bench.config();
        String ns = config.namespace() + "-par";
        bench.noteSharedShim(ns);
        if (config.modes().contains(Mode.SHARED)) {
            Cmd.Result warm = Cmd.run(bench.ctr().runRm(ns, Mode.SHARED, "par-warm", "/bin/true"), null, Map.of(), Ctr.TIMEOUT);
            if (!warm.ok()) {
                throw new IllegalStateException("could not start the shared shim of " + ns + ": " + warm.describe());
            }
        }
        for (int rep = 0; rep < config.parallelReps(); rep++) {
            for (Mode mode : Mode.rotate(config.modes(), rep)) {
                once(bench, ns, mode, rep);
            }
            bench.progress(rep + 1, config.parallelReps());
        }
    }

    private void once(Bench bench, String ns, Mode mode, int rep) {
        Config config = bench.config();
        Results.Series total = bench.results().series(name(), KEY,
                config.parallel() + " × ctr run -d at once, until all RUNNING", mode.key, "ms");
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<Long>> exits = new ArrayList<>();
        List<Cmd.Started> started = new ArrayList<>();
        try {
            long begin = System.nanoTime();
            for (int i = 0; i < config.parallel(); i++) {
                String id = "par-" + mode.key + "-" + rep + "-" + i;
                ids.add(id);
                Cmd.Started s = Cmd.start(bench.ctr().runDetached(ns, mode, id, "/bin/sleep", "600"), null, Map.of());
                started.add(s);
                // The moment each ctr exits, taken by the JDK's reaper as it happens, not when we get to it.
                exits.add(s.process().onExit().thenApply(p -> System.nanoTime()));
            }
            int failed = 0;
            String firstFailure = null;
            long last = begin;
            for (int i = 0; i < started.size(); i++) {
                Cmd.Result r = Cmd.finish(started.get(i), List.of("ctr", "run", "-d", ids.get(i)), Ctr.TIMEOUT);
                last = Math.max(last, exits.get(i).join());
                if (!r.ok()) {
                    failed++;
                    firstFailure = firstFailure == null ? r.describe() : firstFailure;
                }
            }
            long running = bench.ctr().tasks(ns).entrySet().stream()
                    .filter(e -> ids.contains(e.getKey()) && e.getValue().equals("RUNNING")).count();
            if (failed == 0 && running == ids.size()) {
                total.add((last - begin) / 1e6);
            } else {
                total.fail(failed + " of " + ids.size() + " ctr run -d failed, " + running + " RUNNING"
                        + (firstFailure == null ? "" : "; first: " + firstFailure));
                bench.say("  " + mode.key + ": " + failed + " failed, " + running + " RUNNING");
            }
        } finally {
            started.forEach(s -> s.process().destroyForcibly());
            bench.ctr().remove(ns, ids);
            // Let the per-pod shims finish exiting before the next mode starts (the namespace's shared shim stays).
            List<Long> exiting = Procs.shimDaemons(config.socket().toString(), ns).stream()
                    .filter(pid -> !String.join(" ", Procs.cmdline(pid)).contains(Mode.SHARED.binaryName)).toList();
            List<Long> left = Procs.awaitGone(exiting, Duration.ofSeconds(20));
            if (!left.isEmpty()) {
                bench.results().errors.add("parallel: shims still running after their containers were removed: " + left);
            }
        }
    }
}
