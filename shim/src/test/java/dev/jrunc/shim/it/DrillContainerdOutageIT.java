package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;
import kit.Leftovers;

/**
 * Drills: containerd dies at the worst moments, and comes back.
 * <ul>
 *   <li>killed while the shim is inside Create (containerd#6860: the Go shim was leaked, since containerd had not yet
 *       recorded the task); after the restart, containerd must either know the task or have cleaned the shim up,
 *       and removing it through containerd must leave nothing;</li>
 *   <li>away while the container exits (containerd#6771): after the restart the task is STOPPED with the real exit
 *       status, and removing it leaves nothing.</li>
 * </ul>
 */
@WithPrivateContainerd(name = "it-drill-outage", namespace = "drill-outage")
class DrillContainerdOutageIT {
    private static final String JRUNC = Containerd.JRUNC_RUNTIME;
    /** pid 1 of a PID namespace ignores SIGTERM unless it handles it; this init exits 143 on SIGTERM. */
    private static final String[] TERMINABLE = {"sh", "-c", "trap 'exit 143' TERM; sleep 600 & wait"};

    @Test
    void containerdKilledDuringCreate(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("containerd-killed-during-create");
        String id = "mid-create";
        RuncWrapper runc = RuncWrapper.in(containerd.dir().resolve("runc-mid-create"));
        runc.hold("create");
        try {
            Path out = containerd.dir().resolve("mid-create.out");
            Process ctr = containerd.ctrInBackground(out, runc.runArgs(containerd, JRUNC, id, TERMINABLE).toArray(String[]::new));
            Procs.await("the shim calls runc create", () -> runc.calls("create") >= 1);
            long shim = Procs.shims(containerd).stream().filter(pid -> Procs.arguments(pid).contains(id)).findFirst().orElseThrow();

            long killedAt = System.nanoTime();
            containerd.kill9();
            assertTrue(ctr.waitFor(30, TimeUnit.SECONDS), "ctr run gave up when containerd died");
            report.line("containerd SIGKILLed while runc create was held; ctr run exited %d: %s", ctr.exitValue(),
                    Files.readString(out.resolveSibling("mid-create.out.stderr")).strip());
            runc.release("create");   // the shim's Create goes on without containerd: runc create completes
            Procs.await("runc wrote the init's pid", () -> Files.exists(containerd.bundle(id).resolve("init.pid")));
            long init = Long.parseLong(Files.readString(containerd.bundle(id).resolve("init.pid")).strip());

            containerd.restart();
            report.line("containerd back after %d ms", DrillReport.millisSince(killedAt));
            String status = Procs.taskStatus(containerd, id);
            boolean shimAlive = kit.Procs.alive(shim);
            report.line("after the restart: task %s, shim %s", status.isEmpty() ? "not listed" : status,
                    shimAlive ? "alive (pid " + shim + ")" : "gone");
            assertTrue(!status.isEmpty() || !shimAlive,
                    "containerd neither knows the task nor cleaned up its shim: the shim would leak (containerd#6860)");

            containerd.ctr("task", "rm", "-f", id);
            containerd.ctr("container", "rm", id).assertOk();
            Procs.await("the shim is gone", () -> !kit.Procs.alive(shim));
            Procs.await("containerd removed the bundle", () -> !Files.exists(containerd.bundle(id)));
            Leftovers left = Leftovers.of(containerd.fixture(), id, List.of(init, shim), containerd.shimSocket(id));
            report.line("after ctr task rm -f and container rm: %s", left);
            assertTrue(left.none(false), left.toString());
        } finally {
            runc.releaseAll();
        }
    }

    @Test
    void theContainerExitsWhileContainerdIsDown(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("exit-while-containerd-is-down");
        String id = "down-exit";
        containerd.runBusyboxDetached(JRUNC, id, TERMINABLE).assertOk();
        long init = Procs.taskPid(containerd, id);
        long shim = Procs.ppid(init);

        long killedAt = System.nanoTime();
        containerd.kill9();
        ProcessHandle.of(init).orElseThrow().destroy();   // SIGTERM from outside: the init exits 143
        Procs.await("the init has exited", () -> !kit.Procs.alive(init));
        assertTrue(kit.Procs.alive(shim), "the shim outlives containerd and its container");
        // Gone from /proc: its parent, the shim, has reaped it, so it records the exit and publishes /tasks/exit to
        // nobody before containerd is back
        Procs.await("the shim has reaped the init", () -> Procs.state(init) == null);
        containerd.restart();
        long outage = DrillReport.millisSince(killedAt);

        String status = Procs.taskStatus(containerd, id);
        report.line("containerd down %d ms; the init exited (SIGTERM) meanwhile", outage);
        if (Testkit.containerdAtLeast(1, 7)) {
            // 1.7 and 2.x ask every shim they reload for its pids and delete a task that has none (containerd#6860):
            // the stopped task is gone by the time containerd answers, through the shim's Delete.
            report.line("after the restart: ctr task ls says %s (containerd %s deletes stopped tasks when it reloads)",
                    status.isEmpty() ? "nothing" : status, Testkit.containerdVersion());
            assertEquals("", status, "containerd deleted the stopped task when it reloaded its shim");
            assertTrue(Files.readString(containerd.dir().resolve("containerd.log")).contains("cleaning leaked shim process"),
                    "containerd says why it deleted the task");
        } else {
            CtrResult rm = containerd.ctr("task", "rm", id);
            report.line("after the restart: ctr task ls says %s; ctr task rm says \"%s\"", status, rm.stderr().strip());
            assertEquals("STOPPED", status, "containerd learns the exit from the shim after its restart");
            assertTrue(rm.stderr().contains("exit code 143"), "the real exit status, not a made-up one: " + rm);
        }

        containerd.ctr("container", "rm", id).assertOk();
        Procs.await("the shim exits", () -> !kit.Procs.alive(shim));
        Procs.await("containerd removed the bundle", () -> !Files.exists(containerd.bundle(id)));
        Leftovers left = Leftovers.of(containerd.fixture(), id, List.of(init, shim), containerd.shimSocket(id));
        report.line("after rm: %s", left);
        assertTrue(left.none(false), left.toString());
    }
}
