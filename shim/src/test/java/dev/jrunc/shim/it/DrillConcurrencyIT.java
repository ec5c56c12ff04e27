package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Drills under load: many execs at once in one container (containerd#2709: concurrent execs deadlocked the Go
 * shim), and many containers started at once, one shim each. Every one must finish, with its own output and its
 * own exit code — a mix-up between processes would show as a wrong pair.
 */
@WithPrivateContainerd(name = "it-drill-load", namespace = "drill-load")
class DrillConcurrencyIT {
    /** Under load, 2 cores and 20 JVMs starting at once: generous, it only guards against a hang. */
    private static final Duration PATIENCE = Duration.ofSeconds(240);

    @Test
    void manyExecsAtOnceInOneContainer(Containerd containerd) throws Exception {
        int count = DrillKnobs.execs();
        DrillReport report = DrillReport.start("concurrent-execs");
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "exec-target", "sleep", "600").assertOk();
        try {
            List<Callable<Timed>> execs = new ArrayList<>();
            for (int n = 1; n <= count; n++) {
                int code = n % 250 + 1;
                execs.add(timed(() -> containerd.ctr(PATIENCE, "task", "exec", "--exec-id", "x" + code, "exec-target",
                        "sh", "-c", "echo out-" + code + "; sleep 0.2; exit " + code)));
            }
            long started = System.nanoTime();
            List<Timed> results = runAll(execs);
            long wall = DrillReport.millisSince(started);
            int correct = 0;
            for (int n = 1; n <= count; n++) {
                CtrResult r = results.get(n - 1).result();
                int code = n % 250 + 1;
                if (r.exitCode() == code && r.stdout().equals("out-" + code + "\n")) {
                    correct++;
                }
            }
            report.line("%d execs at once in one container: %d with their own output and exit code, all done in %d ms (slowest %d ms)",
                    count, correct, wall, slowest(results));
            for (int n = 1; n <= count; n++) {
                CtrResult r = results.get(n - 1).result();
                int code = n % 250 + 1;
                assertEquals(code, r.exitCode(), r::toString);
                assertEquals("out-" + code + "\n", r.stdout(), r::toString);
            }
            assertEquals("RUNNING", Procs.taskStatus(containerd, "exec-target"), "the container itself is unharmed");
            List<String> processes = containerd.ctr("task", "ps", "exec-target").stdoutLines().stream().skip(1).toList();
            assertEquals(1, processes.size(), "only the init is left, no exec running or unreaped: " + processes);
        } finally {
            containerd.ctr("task", "rm", "-f", "exec-target");
            containerd.ctr("container", "rm", "exec-target");
        }
    }

    @Test
    void manyContainersStartedAtOnce(Containerd containerd) throws Exception {
        int count = DrillKnobs.parallelContainers();
        DrillReport report = DrillReport.start("parallel-containers");
        List<Callable<Timed>> runs = new ArrayList<>();
        for (int n = 1; n <= count; n++) {
            int code = n;
            runs.add(timed(() -> containerd.ctr(PATIENCE, "run", "--rm", "--runtime", Containerd.JRUNC_RUNTIME,
                    "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), "par-" + code,
                    "sh", "-c", "echo from-" + code + "; exit " + code)));
        }
        long started = System.nanoTime();
        List<Timed> results = runAll(runs);
        long wall = DrillReport.millisSince(started);
        int correct = 0;
        for (int n = 1; n <= count; n++) {
            CtrResult r = results.get(n - 1).result();
            if (r.exitCode() == n && r.stdout().equals("from-" + n + "\n")) {
                correct++;
            }
        }
        report.line("%d containers started at once (one shim each): %d with their own output and exit code, all done in %d ms (slowest %d ms)",
                count, correct, wall, slowest(results));
        for (int n = 1; n <= count; n++) {
            CtrResult r = results.get(n - 1).result();
            assertEquals(n, r.exitCode(), r::toString);
            assertEquals("from-" + n + "\n", r.stdout(), r::toString);
        }
        Procs.await("every shim has exited", () -> Procs.shims(containerd).isEmpty());
        assertEquals(List.of(), containerd.ctr("container", "ls", "-q").stdoutLines(), "ctr run --rm removed them all");
    }

    private record Timed(CtrResult result, long millis) {
    }

    private static Callable<Timed> timed(Callable<CtrResult> call) {
        return () -> {
            long started = System.nanoTime();
            CtrResult result = call.call();
            return new Timed(result, DrillReport.millisSince(started));
        };
    }

    private static List<Timed> runAll(List<Callable<Timed>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            List<Timed> results = new ArrayList<>();
            for (Future<Timed> future : pool.invokeAll(calls)) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long slowest(List<Timed> results) {
        return results.stream().mapToLong(Timed::millis).max().orElse(0);
    }
}
