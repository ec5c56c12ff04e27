package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.proto.task.StateResponse;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;
import kit.Leftovers;

/**
 * Drills: runc missing, failing, or slow. A missing or failing runc gives an error that says what went wrong, and
 * leaves nothing behind. A slow runc holds up only the call that runs it: State — which containerd gives 2 s — is
 * answered at once meanwhile, for another container of the same shim (PR containerd#13483: a lock held across
 * {@code runc create} made State time out) and for the very container whose {@code runc start} is slow.
 */
@WithPrivateContainerd(name = "it-drill-runc", namespace = "drill-runc")
class DrillRuncFaultsIT {
    private static final String SHARED = "io.containerd.jrunc-shared.v2";
    private static final String TASK = "containerd.task.v2.Task";
    /** containerd's io.containerd.timeout.task.state. */
    private static final Duration STATE_TIMEOUT = Duration.ofSeconds(2);
    /** How long the drill keeps runc waiting while it asks State. */
    private static final long HOLD_MILLIS = 4000;

    @Test
    void aMissingRuncIsAClearErrorAndLeavesNothing(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("runc-missing");
        Path toml = containerd.dir().resolve("missing-runc.toml");
        Files.writeString(toml, "BinaryName = \"/nonexistent/drill-runc\"\n");
        CtrResult run = containerd.ctr("run", "-d", "--runtime", Containerd.JRUNC_RUNTIME, "--runtime-config-path",
                toml.toString(), "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), "no-runc", "true");
        report.line("ctr run exited %d: %s", run.exitCode(), run.stderr().strip());
        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.stderr().contains("/nonexistent/drill-runc"), "the error names the runc that is missing: " + run);
        assertNothingLeft(containerd, "no-runc", report);
    }

    @Test
    void aFailingRuncIsAClearErrorAndLeavesNothing(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("runc-failing");
        RuncWrapper runc = RuncWrapper.in(containerd.dir().resolve("runc-failing"));
        runc.fail("create", "drill: runc create refused on purpose");
        CtrResult run = containerd.ctr(runc.runArgs(containerd, Containerd.JRUNC_RUNTIME, "bad-runc", "true").toArray(String[]::new));
        report.line("ctr run exited %d: %s", run.exitCode(), run.stderr().strip());
        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.stderr().contains("OCI runtime create failed: drill: runc create refused on purpose"),
                "runc's own error reaches the user: " + run);
        assertNothingLeft(containerd, "bad-runc", report);
    }

    @Test
    void stateAnswersWhileAnotherContainersRuncCreateIsSlow(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("runc-slow-create");
        containerd.runBusyboxDetached(SHARED, "steady", "sleep", "600").assertOk();
        Path socket = shimSocket(containerd, "steady");
        RuncWrapper runc = RuncWrapper.in(containerd.dir().resolve("runc-slow-create"));
        runc.hold("create");
        try {
            Process slow = containerd.ctrInBackground(containerd.dir().resolve("slow-create.out"),
                    runc.runArgs(containerd, SHARED, "slow-create", "sleep", "600").toArray(String[]::new));
            Procs.await("runc create is held", () -> runc.calls("create") >= 1);
            assertEquals(socket, shimSocket(containerd, "slow-create"), "both containers are the one shared shim's");

            List<Long> latencies = stateLatencies(socket, "steady");
            long execStarted = System.nanoTime();
            CtrResult exec = containerd.ctr("task", "exec", "--exec-id", "meanwhile", "steady", "echo", "served");
            long execMillis = DrillReport.millisSince(execStarted);
            runc.release("create");
            assertTrue(slow.waitFor(60, TimeUnit.SECONDS), "ctr run finishes once runc create is let go");

            report.line("while runc create of another container was held %d ms: %d State calls, median %d ms, max %d ms (containerd allows %d ms)",
                    HOLD_MILLIS, latencies.size(), median(latencies), Collections.max(latencies), STATE_TIMEOUT.toMillis());
            report.line("ctr task exec into the steady container meanwhile: exit %d, \"%s\", %d ms", exec.exitCode(), exec.stdout().strip(), execMillis);
            assertTrue(Collections.max(latencies) < STATE_TIMEOUT.toMillis(), "State within containerd's 2 s: " + latencies);
            assertEquals("served\n", exec.assertOk().stdout());
            assertEquals(0, slow.exitValue(), "the slow container was created after all");
            assertEquals("RUNNING", Procs.taskStatus(containerd, "slow-create"));
        } finally {
            runc.releaseAll();
            remove(containerd, "slow-create");
            remove(containerd, "steady");
        }
    }

    @Test
    void stateAnswersWhileTheContainersOwnRuncStartIsSlow(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("runc-slow-start");
        RuncWrapper runc = RuncWrapper.in(containerd.dir().resolve("runc-slow-start"));
        runc.hold("start");
        try {
            Process slow = containerd.ctrInBackground(containerd.dir().resolve("slow-start.out"),
                    runc.runArgs(containerd, SHARED, "slow-start", "sleep", "600").toArray(String[]::new));
            Procs.await("runc start is held", () -> runc.calls("start") >= 1);
            List<Long> latencies = stateLatencies(shimSocket(containerd, "slow-start"), "slow-start");
            long lsStarted = System.nanoTime();
            String status = Procs.taskStatus(containerd, "slow-start");
            long lsMillis = DrillReport.millisSince(lsStarted);
            runc.release("start");
            assertTrue(slow.waitFor(60, TimeUnit.SECONDS), "ctr run finishes once runc start is let go");

            report.line("while its own runc start was held %d ms: %d State calls, median %d ms, max %d ms; ctr task ls said %s in %d ms",
                    HOLD_MILLIS, latencies.size(), median(latencies), Collections.max(latencies), status, lsMillis);
            assertTrue(Collections.max(latencies) < STATE_TIMEOUT.toMillis(), "State within containerd's 2 s: " + latencies);
            assertEquals("CREATED", status);
            assertEquals("RUNNING", Procs.taskStatus(containerd, "slow-start"));
        } finally {
            runc.releaseAll();
            remove(containerd, "slow-start");
        }
    }

    /** State of {@code id}, over and over for {@link #HOLD_MILLIS}, each call with containerd's 2 s deadline. */
    private static List<Long> stateLatencies(Path socket, String id) throws Exception {
        List<Long> latencies = new ArrayList<>();
        try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
            long end = System.nanoTime() + HOLD_MILLIS * 1_000_000;
            while (System.nanoTime() < end) {
                long started = System.nanoTime();
                StateResponse state = client.call(TASK, "State", StateRequest.newBuilder().setId(id).build(),
                        StateResponse.parser(), STATE_TIMEOUT);
                latencies.add(DrillReport.millisSince(started));
                assertEquals(id, state.getId());
                Thread.sleep(100);   // about time itself: a State call every 100 ms, as long as runc is held
            }
        }
        return latencies;
    }

    private static Path shimSocket(Containerd containerd, String id) throws Exception {
        Path address = containerd.bundle(id).resolve("address");
        Procs.await("the bundle of " + id + " has the shim's address", () -> Files.exists(address));
        return Path.of(Files.readString(address).strip().replaceFirst("^unix://", ""));
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static void assertNothingLeft(Containerd containerd, String id, DrillReport report) throws Exception {
        containerd.ctr("container", "rm", id);
        Procs.await("no shim serves " + id, () -> Procs.shims(containerd).stream().noneMatch(pid -> Procs.arguments(pid).contains(id)));
        Procs.await("containerd removed the bundle", () -> !Files.exists(containerd.bundle(id)));
        Leftovers left = Leftovers.of(containerd.fixture(), id, List.of(), containerd.shimSocket(id));
        report.line("left behind: %s", left);
        assertTrue(left.none(false), left.toString());
    }

    private static void remove(Containerd containerd, String id) {
        containerd.ctr("task", "rm", "-f", id);
        containerd.ctr("container", "rm", id);
    }
}
