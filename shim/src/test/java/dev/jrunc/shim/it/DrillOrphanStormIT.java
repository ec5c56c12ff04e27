package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jrunc.shim.json.Json;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Drill: an orphan storm (containerd#5708, #13849: zombies, lost exits). A container in the host's pid namespace —
 * no pid namespace of its own, so no init of its own reaps for it — whose init leaves 1000 short-lived orphans. The
 * kernel hands each orphan to the nearest subreaper above it: the shim. All must be reaped, no zombie may remain
 * under the shim, the shim's memory must come back near where it was, and it must still serve.
 *
 * <p>ctr has no flag to leave out the pid namespace ({@code --with-ns pid:/proc/1/ns/pid} would need pid 1's
 * namespace files, not always readable), so the drill writes the OCI spec itself: {@code ctr oci spec}, minus
 * the pid namespace, run with {@code ctr run --config}.
 */
@WithPrivateContainerd(name = "it-drill-orphans", namespace = "drill-orphans")
class DrillOrphanStormIT {
    /** A generous bound on growth: the shim's heap is capped at 64 MiB, and 1000 exits need a few KiB. */
    private static final long RSS_GROWTH_LIMIT_KB = 16 * 1024;

    @Test
    void theShimReapsAStormOfOrphans(Containerd containerd) throws Exception {
        int orphans = DrillKnobs.orphans();
        DrillReport report = DrillReport.start("orphan-storm");
        Path dir = Files.createDirectories(containerd.dir().resolve("orphans"));
        Path go = dir.resolve("go");   // the storm starts when the test creates this file (the rootfs is read-only)
        Path output = dir.resolve("storm.txt");
        Path spec = hostPidSpec(containerd, dir, orphans);
        containerd.ctr("run", "-d", "--runtime", Containerd.JRUNC_RUNTIME, "--config", spec.toString(),
                "--log-uri", "file://" + output, "storm").assertOk();
        try {
            long init = Procs.taskPid(containerd, "storm");
            long shim = Procs.ppid(init);
            assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")), Files.readSymbolicLink(Path.of("/proc", Long.toString(init), "ns", "pid")),
                    "the container shares the host's pid namespace");
            // About time itself: the shim's JVM finishes its start-up work (JIT, GC) before the baseline is taken;
            // nothing outside shows when (the RSS bound below is generous for that reason too)
            Thread.sleep(1000);
            ProcessSample before = ProcessSample.of(shim);

            long started = System.nanoTime();
            Files.writeString(go, "");
            // about 5 ms an orphan on 2 busy cores; the bound only guards against a hang
            long patience = 20_000 + 20L * orphans;
            awaitUpTo(patience, "the init has left all its orphans", () -> Containerd.readFile(output).contains("storm over"));
            long stormMillis = DrillReport.millisSince(started);
            // the last orphans may print after their parent's loop is over
            awaitUpTo(patience, "every orphan has reported its pid", () -> orphanPids(output).size() >= orphans);
            List<Long> pids = orphanPids(output);
            Procs.await("no zombie is left under the shim", () -> zombieChildren(shim).isEmpty());
            Thread.sleep(2000);   // about time itself: the shim's allocation from the storm settles (a GC) before the sample
            ProcessSample after = ProcessSample.of(shim);
            List<Long> unreaped = new ArrayList<>();
            for (long pid : pids) {
                if ("Z".equals(Procs.state(pid)) && Procs.ppid(pid) == shim) {
                    unreaped.add(pid);
                }
            }
            long exec = System.nanoTime();
            String served = containerd.ctr("task", "exec", "--exec-id", "after-storm", "storm", "sh", "-c", "echo served; exit 3").stdout();
            long execMillis = DrillReport.millisSince(exec);

            report.line("%d orphans (%d reported their pid) left by the init of a host-pid container in %d ms", orphans, pids.size(), stormMillis);
            report.line("zombies under the shim afterwards: %d; orphans still unreaped: %d", zombieChildren(shim).size(), unreaped.size());
            report.line("shim before: %s", before);
            report.line("shim after:  %s (RSS %+d KiB)", after, after.rssKb() - before.rssKb());
            report.line("an exec afterwards: \"%s\" in %d ms", served.strip(), execMillis);
            assertEquals(orphans, pids.size(), "every orphan ran");
            assertEquals(List.of(), unreaped, "orphans the shim did not reap");
            assertTrue(after.rssKb() - before.rssKb() < RSS_GROWTH_LIMIT_KB, "the shim's RSS stays near its baseline: " + before + " → " + after);
            assertEquals("served\n", served);
        } finally {
            containerd.ctr("task", "rm", "-f", "storm");
            containerd.ctr("container", "rm", "storm");
        }
    }

    private static void awaitUpTo(long millis, String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + millis / 1000 + " s waiting until " + what);
            }
            Thread.sleep(100);
        }
    }

    private static List<Long> orphanPids(Path output) {
        return Containerd.readFile(output).lines().filter(l -> l.matches("\\d+")).map(Long::parseLong).toList();
    }

    private static List<Long> zombieChildren(long parent) {
        return Procs.children(parent).stream().filter(pid -> "Z".equals(Procs.state(pid))).toList();
    }

    /**
     * The default spec of {@code ctr oci spec} with the busybox rootfs, without a pid namespace, a folder of the
     * test's mounted at /drill, and an init that waits for {@code /drill/go}, then leaves N orphans (each prints its
     * pid, then exits) and sleeps.
     */
    @SuppressWarnings("unchecked")
    private static Path hostPidSpec(Containerd containerd, Path dir, int orphans) throws Exception {
        Map<String, Object> spec = (Map<String, Object>) Json.parse(containerd.ctr("oci", "spec").assertOk().stdout());
        spec.put("root", Map.of("path", containerd.busyboxRootfs().toString(), "readonly", true));
        Map<String, Object> process = (Map<String, Object>) spec.get("process");
        process.put("env", List.of(Containerd.PATH_ENV));
        process.put("args", List.of("sh", "-c", "while [ ! -e /drill/go ]; do sleep 0.1; done; i=0; while [ $i -lt " + orphans
                + " ]; do (sh -c 'echo $$' &); i=$((i + 1)); done; echo storm over; exec sleep 600"));
        List<Object> mounts = new ArrayList<>((List<Object>) spec.get("mounts"));
        mounts.add(Map.of("destination", "/drill", "type", "bind", "source", dir.toString(), "options", List.of("rbind", "ro")));
        spec.put("mounts", mounts);
        Map<String, Object> linux = (Map<String, Object>) spec.get("linux");
        linux.put("namespaces", ((List<Map<String, Object>>) linux.get("namespaces")).stream()
                .filter(ns -> !"pid".equals(ns.get("type"))).toList());
        linux.put("cgroupsPath", "/" + containerd.namespace() + "/storm");
        Path file = dir.resolve("config.json");
        Files.writeString(file, Json.write(spec));
        return file;
    }
}
