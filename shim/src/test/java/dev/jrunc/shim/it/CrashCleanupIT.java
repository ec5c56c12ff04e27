package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.WithPrivateContainerd;
import kit.Leftovers;

/**
 * When a shim dies, containerd runs our {@code delete} to clean up after it: nothing may be left, whatever the
 * container was doing. Drill: the shim is SIGKILLed with its container created (runc start not yet run), running,
 * running an exec, or paused.
 */
@WithPrivateContainerd
class CrashCleanupIT {

    enum Stage { CREATED, RUNNING, EXEC_RUNNING, PAUSED }

    @ParameterizedTest
    @EnumSource(Stage.class)
    void aKilledShimIsCleanedUpByDelete(Stage stage, Containerd containerd) throws Exception {
        String id = "doomed-" + stage.name().toLowerCase(Locale.ROOT).replace('_', '-');
        DrillReport report = DrillReport.start("shim-killed-" + stage.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        Path events = containerd.dir().resolve(id + "-events.txt");
        Process watcher = containerd.ctrEvents(events);
        RuncWrapper runc = RuncWrapper.in(containerd.dir().resolve("runc-" + id));
        try {
            List<Long> pids = new ArrayList<>(bringTo(stage, id, runc, containerd));
            long shim = Procs.shims(containerd).stream().filter(pid -> Procs.arguments(pid).contains(id)).findFirst().orElseThrow();
            report.line("stage %s: ctr task ls says %s; container processes %s, shim %d", stage, Procs.taskStatus(containerd, id), pids, shim);
            pids.add(shim);
            Path bundle = containerd.bundle(id);

            long killed = System.nanoTime();
            ProcessHandle.of(shim).orElseThrow().destroyForcibly();   // SIGKILL

            Procs.await("containerd reports the exit", () -> Containerd.readFile(events).contains("/tasks/exit"));
            Procs.await("the task is gone", () -> !containerd.ctr("task", "ls", "-q").stdoutLines().contains(id));
            Procs.await("containerd removed the bundle", () -> !Files.exists(bundle));
            Procs.await("the container's processes are gone", () -> pids.stream().noneMatch(kit.Procs::alive));
            long cleaned = DrillReport.millisSince(killed);
            watcher.destroy();
            String exit = Containerd.readFile(events).lines().filter(l -> l.contains("/tasks/exit")).findFirst().orElseThrow();
            Leftovers left = Leftovers.of(containerd.fixture(), id, pids, containerd.shimSocket(id));
            report.line("cleaned up %d ms after the SIGKILL: %s; exit event %s", cleaned, left,
                    exit.replaceAll(".*(\"exit_status\":\\d+).*", "$1"));
            assertTrue(exit.contains("\"exit_status\":137"), exit);
            // A stale socket file is allowed: nothing removes a SIGKILLed shim's socket yet (the Go shim's delete
            // leaves it too, containerd#11292). A socket someone still listens on would be a leaked shim.
            assertTrue(left.none(true), left.toString());
            assertEquals(List.of(), kit.Leftovers.mountsUnder(containerd.stateDir()));
            containerd.ctr("container", "rm", id).assertOk();
        } finally {
            runc.releaseAll();
        }
    }

    /** Runs container {@code id} (through the wrapper) up to {@code stage}; returns its processes' pids. */
    private static List<Long> bringTo(Stage stage, String id, RuncWrapper runc, Containerd containerd) throws Exception {
        String[] sleeper = {"sleep", "600"};
        if (stage == Stage.CREATED) {
            runc.hold("start");   // containerd's Start waits in runc start: the task stays CREATED
            containerd.ctrInBackground(containerd.dir().resolve(id + ".out"), runc.runArgs(containerd, Containerd.JRUNC_RUNTIME, id, sleeper).toArray(String[]::new));
            Procs.await("runc start is held", () -> runc.calls("start") >= 1);
            return List.of(Long.parseLong(Files.readString(containerd.bundle(id).resolve("init.pid")).strip()));
        }
        containerd.ctr(runc.runArgs(containerd, Containerd.JRUNC_RUNTIME, id, sleeper).toArray(String[]::new)).assertOk();
        long init = Procs.taskPid(containerd, id);
        switch (stage) {
            case EXEC_RUNNING -> {
                containerd.ctr("task", "exec", "-d", "--exec-id", "busy", id, "sleep", "600").assertOk();
                long exec = containerd.ctr("task", "ps", id).stdoutLines().stream().filter(l -> l.contains("busy"))
                        .map(l -> Long.parseLong(l.trim().split("\\s+")[0])).findFirst().orElseThrow();
                return List.of(init, exec);
            }
            case PAUSED -> {
                containerd.ctr("task", "pause", id).assertOk();
                assertEquals("PAUSED", Procs.taskStatus(containerd, id));
                return List.of(init);
            }
            default -> {
                return List.of(init);
            }
        }
    }
}
