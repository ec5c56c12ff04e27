package dev.jrunc.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Memory of ALL shim processes with 1, 10, 50 (BENCH_MEM_COUNTS) running busybox {@code sleep 600} containers, one
 * mode at a time: how much a container costs in shims, and how that grows.
 *
 * <p>Each mode gets a namespace of its own, so the shared mode starts from no shim at all, and the modes are
 * measured one after the other, never side by side: PSS divides shared pages among whoever maps them, and our two
 * modes map the same JVM files. (Other JVMs on the machine, from the same JDK, still share some of those pages; on a
 * quiet machine there are none.) The phase runs first, before any other shim of the benchmark exists. Last comes
 * the JVM alone ({@link JvmFloor}): the part of a per-pod shim's memory and threads that is the JVM's.
 */
final class MemoryPhase implements Phase {
    /** Containers started at once while filling up: enough to go faster, few enough not to time out on 2 cores. */
    private static final int START_PARALLELISM = 2;

    @Override
    public String name() {
        return "mem";
    }

    @Override
    public void run(Bench bench) throws Exception {
        for (Mode mode : bench.config().modes()) {
            measureMode(bench, mode);
        }
        if (bench.config().modes().contains(Mode.PER_POD) || bench.config().modes().contains(Mode.SHARED)) {
            bench.results().memory.add(JvmFloor.measure(bench.config()));
            bench.say(String.format("  %-14s   no shim code: %s", JvmFloor.LABEL, last(bench)));
        }
    }

    private void measureMode(Bench bench, Mode mode) throws Exception {
        Config config = bench.config();
        String ns = config.namespace() + "-mem-" + mode.key;
        String address = config.socket().toString();
        bench.noteSharedShim(ns);
        int running = 0;
        try {
            for (int count : config.memCounts()) {
                startContainers(bench, ns, mode, running, count);
                running = count;
                awaitRunning(bench, ns, count);
                Procs.sleep(config.memSettleMillis());   // JVMs finish start-up work (JIT, GC) before they go idle
                bench.results().memory.add(measure(mode, count, Procs.shimDaemons(address, ns)));
                bench.say(String.format("  %-14s %3d containers: %s", mode.label, count, last(bench)));
            }
        } finally {
            bench.ctr().remove(ns, null);
            // Per-pod shims exit after their container's Delete; the shared one stays up for the next container,
            // and we stop it here (SIGTERM: it removes its socket and pid file) so the next mode is measured alone.
            List<Long> left = Procs.awaitGone(Procs.shimDaemons(address, ns), Duration.ofSeconds(10));
            if (!left.isEmpty()) {
                Procs.terminate(left, Duration.ofSeconds(5));
            }
        }
    }

    private static void startContainers(Bench bench, String ns, Mode mode, int from, int to) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(START_PARALLELISM);
        try {
            List<Future<?>> started = new ArrayList<>();
            for (int i = from; i < to; i++) {
                String id = "mem-" + i;
                started.add(pool.submit(() -> bench.ctr().sleeper(ns, mode, id)));
            }
            for (Future<?> f : started) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitRunning(Bench bench, String ns, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            long running = bench.ctr().tasks(ns).values().stream().filter("RUNNING"::equals).count();
            if (running >= count) {
                return;
            }
            Procs.sleep(200);
        }
        throw new IllegalStateException("fewer than " + count + " containers RUNNING in " + ns + " after 60 s");
    }

    private static Results.MemoryPoint measure(Mode mode, int containers, List<Long> shims) throws IOException {
        double rss = 0;
        double pss = 0;
        double pssAnon = 0;
        double privateKiB = 0;
        double maxRss = 0;
        double cpu = 0;
        int threads = 0;
        int measured = 0;
        for (long pid : shims) {
            Procs.Memory m;
            try {
                m = Procs.memory(pid);
            } catch (IOException e) {
                continue;   // exited between listing and reading: not a running shim
            }
            measured++;
            rss += m.rssKiB();
            pss += m.pssKiB();
            pssAnon += m.pssAnonKiB();
            privateKiB += m.privateKiB();
            maxRss = Math.max(maxRss, m.rssKiB());
            threads += m.threads();
            cpu += m.cpuSeconds();
        }
        return new Results.MemoryPoint(mode.key, containers, measured, rss / 1024, pss / 1024, pssAnon / 1024,
                privateKiB / 1024, maxRss / 1024, threads, cpu);
    }

    private static String last(Bench bench) {
        Results.MemoryPoint m = bench.results().memory.get(bench.results().memory.size() - 1);
        return String.format("%d shim process(es), RSS %.1f MiB, PSS %.1f MiB (anon %.1f), %d threads",
                m.shims(), m.rssMiB(), m.pssMiB(), m.pssAnonMiB(), m.threads());
    }
}
