package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Drill: churn (containerd#12344 leaks under churn; containerd's TestShimDoesNotLeakPipes/Sockets are the model).
 * Many container lifecycles — {@code ctr run --rm}, each with its stdio — through one shared shim, which lives
 * through all of them, so that whatever a lifecycle leaks piles up in one process where it can be counted: its fds
 * (sockets and pipes among them) and threads, containerd's, the shim sockets in /run/containerd/s, mounts, runc
 * state, bundles and FIFOs. Each must come back to where it was after a warm-up.
 *
 * <p>The count is {@code JRUNC_DRILL_CHURN} (default 200: with one shared shim a lifecycle takes about half a
 * second, so CI pays about two minutes; {@code ./verify.sh soak} runs 1000).
 */
// The drill follows one shared shim through the churn and then waits (up to 75 s) for its counts to settle: the
// shim must not end meanwhile for lack of containers, so its linger outlasts the drill.
@WithPrivateContainerd(name = "it-drill-churn", namespace = "drill-churn", env = "JRUNC_SHARED_LINGER=15m")
class DrillChurnIT {
    private static final String SHARED = "io.containerd.jrunc-shared.v2";
    private static final int WARM_UP = 10;
    /** containerd is a Go program: the runtime keeps OS threads it once needed; its count may rise, within reason. */
    private static final int CONTAINERD_THREAD_SLACK = 8;

    @Test
    void lifecyclesLeaveNothingBehind(Containerd containerd) throws Exception {
        int lifecycles = DrillKnobs.churn();
        DrillReport report = DrillReport.start("churn");
        Path fifos = Files.createDirectories(containerd.dir().resolve("fifo"));
        Set<String> ids = new HashSet<>();
        for (int i = 1; i <= WARM_UP; i++) {
            lifecycle(containerd, "warm-" + i, fifos, ids);
        }
        long shim = sharedShim(containerd);
        // The baseline once the warm-up's containers are all gone: `ctr run --rm` can return before the last one's
        // runc state has (seen once on a busy machine: runc state 1 in the first count, 0 after the churn). One that
        // never goes fails here, with the counts, as the leak it is.
        Procs.await("the warm-up's containers leave no mount, runc state, bundle or FIFO",
                () -> Outside.take(containerd, fifos, ids).containersGone());
        Counts before = Counts.take(containerd, shim, fifos, ids);

        long started = System.nanoTime();
        for (int i = 1; i <= lifecycles; i++) {
            lifecycle(containerd, "churn-" + i, fifos, ids);
        }
        long millis = DrillReport.millisSince(started);
        assertEquals(shim, sharedShim(containerd), "one shim lived through the churn");
        Counts after = settled(containerd, shim, fifos, ids, before);

        report.line("%d lifecycles (ctr run --rm, shared shim pid %d) in %d ms, %d ms each", lifecycles, shim, millis, millis / lifecycles);
        report.line("shim       before: %s", before.shim());
        report.line("shim       after:  %s", after.shim());
        report.line("containerd before: %s", before.containerd());
        report.line("containerd after:  %s", after.containerd());
        report.line("before: %s", before.outside());
        report.line("after:  %s", after.outside());
        String fdDifference = before.shim().fdDifference(after.shim());
        if (!fdDifference.equals("{}")) {
            report.line("shim fds by kind, before → after: %s", fdDifference);
        }
        // Fewer is fine, for fds as for threads: the first count is taken right after the warm-up's last
        // `ctr run --rm` returned, and that lifecycle's last fd (seen once: 27 → 26) or a pool thread may end a
        // moment later. More would be a leak: 200 lifecycles that each leave one behind cannot hide behind that.
        assertTrue(after.shim().fds() <= before.shim().fds(), () -> "the shim's open fds: " + before.shim() + " → "
                + after.shim() + "; by kind " + fdDifference);
        // A count that holds still can still hide an fd moved from container to container: one on the last deleted
        // container's log FIFO was such a case.
        assertEquals(Set.of(), after.shim().deletedFiles(), "files of deleted containers the shim still holds open");
        assertTrue(after.shim().threads() <= before.shim().threads(), "the shim's threads: " + before.shim() + " → " + after.shim());
        assertEquals(before.containerd().fds(), after.containerd().fds(), "containerd's open fds");
        assertTrue(after.containerd().threads() <= before.containerd().threads() + CONTAINERD_THREAD_SLACK,
                "containerd's threads: " + before.containerd() + " → " + after.containerd());
        assertEquals(before.outside(), after.outside(), "sockets, mounts, runc state, bundles, FIFOs");
    }

    private static void lifecycle(Containerd containerd, String id, Path fifos, Set<String> ids) {
        ids.add(id);
        CtrResult r = containerd.ctr("run", "--rm", "--runtime", SHARED, "--fifo-dir", fifos.toString(), "--env",
                Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), id, "echo", id);
        assertEquals(id + "\n", r.assertOk().stdout(), r::toString);
    }

    /**
     * Counts drift back for a while after the last lifecycle: a connection closing, and the shim's idle pool threads
     * ending after 60 s without work. A leak never comes back, however long we wait.
     */
    private static Counts settled(Containerd containerd, long shim, Path fifos, Set<String> ids, Counts before) throws InterruptedException {
        long deadline = System.nanoTime() + 75_000_000_000L;
        while (true) {
            Counts now = Counts.take(containerd, shim, fifos, ids);
            if (now.settledAs(before) || System.nanoTime() > deadline) {
                return now;
            }
            Thread.sleep(250);
        }
    }

    private static long sharedShim(Containerd containerd) {
        List<Long> shims = Procs.shims(containerd, "containerd-shim-jrunc-shared-v2");
        assertEquals(1, shims.size(), "one shared shim: " + shims);
        return shims.get(0);
    }

    /** What the drill counts; {@code outside} is everything not inside a process. */
    private record Counts(ProcessSample shim, ProcessSample containerd, Outside outside) {
        static Counts take(Containerd containerd, long shim, Path fifos, Set<String> ids) {
            return new Counts(ProcessSample.of(shim), ProcessSample.of(containerd.pid()), Outside.take(containerd, fifos, ids));
        }

        boolean settledAs(Counts before) {
            return shim.fds() <= before.shim.fds() && shim.threads() <= before.shim.threads()
                    && containerd.fds() == before.containerd.fds() && outside.equals(before.outside);
        }
    }

    /**
     * @param shimSockets socket files in /run/containerd/s that this containerd's shims could have made: the shared
     *                    shim's, and those a per-container shim of any id used would have
     */
    private record Outside(int shimSockets, int mounts, int runcState, int bundles, int fifoFiles) {
        boolean containersGone() {
            return mounts == 0 && runcState == 0 && bundles == 0 && fifoFiles == 0;
        }

        static Outside take(Containerd containerd, Path fifos, Set<String> ids) {
            Set<String> ours = new HashSet<>();
            ours.add(Testkit.sha256Hex(containerd.address() + "/" + containerd.namespace() + "/jrunc shared"));
            for (String id : ids) {
                ours.add(Testkit.sha256Hex(containerd.address() + "/" + containerd.namespace() + "/" + id));
            }
            int sockets = (int) list(Path.of("/run/containerd/s")).stream().filter(p -> ours.contains(p.getFileName().toString())).count();
            return new Outside(sockets, kit.Leftovers.mountsUnder(containerd.dir()).size(),
                    list(Path.of("/run/containerd/runc", containerd.namespace())).size(),
                    list(containerd.stateDir().resolve("io.containerd.runtime.v2.task").resolve(containerd.namespace())).size(),
                    countFiles(fifos));
        }

        @Override
        public String toString() {
            return "shim sockets " + shimSockets + ", mounts " + mounts + ", runc state " + runcState + ", bundles "
                    + bundles + ", FIFO files " + fifoFiles;
        }
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return new ArrayList<>(entries.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int countFiles(Path dir) {
        try (Stream<Path> entries = Files.walk(dir)) {
            return (int) entries.filter(p -> !Files.isDirectory(p)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
