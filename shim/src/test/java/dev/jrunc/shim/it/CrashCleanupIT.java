package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/** When a shim dies, containerd runs our {@code delete} to clean up after it: nothing may be left. */
@WithPrivateContainerd
class CrashCleanupIT {

    @Test
    void aKilledShimIsCleanedUpByDelete(Containerd containerd) throws Exception {
        Path events = containerd.dir().resolve("crash-events.txt");
        Process watcher = containerd.ctrInBackground(events, "events");
        Thread.sleep(300);
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "doomed", "sleep", "600").assertOk();
        long init = Procs.taskPid(containerd, "doomed");
        long shim = Procs.ppid(init);
        Path bundle = containerd.bundle("doomed");
        Path runcState = Path.of("/run/containerd/runc", containerd.namespace(), "doomed");

        ProcessHandle.of(shim).orElseThrow().destroyForcibly();   // SIGKILL

        Procs.await("containerd reports the exit", () -> Containerd.readFile(events).contains("/tasks/exit"));
        Procs.await("the container's processes are gone", () -> !Testkit.isAlive(init) || "Z".equals(Procs.state(init)));
        watcher.destroy();
        String exit = Containerd.readFile(events).lines().filter(l -> l.contains("/tasks/exit")).findFirst().orElseThrow();
        assertTrue(exit.contains("\"exit_status\":137"), exit);
        assertFalse(Files.exists(runcState), "runc state removed by delete --force");
        Procs.await("containerd removed the bundle", () -> !Files.exists(bundle));
        assertEquals(List.of(), Testkit.mountsUnder(containerd.stateDir()));
        assertFalse(containerd.ctr("task", "ls", "-q").stdoutLines().contains("doomed"), "the task is gone");
        containerd.ctr("container", "rm", "doomed").assertOk();
    }
}
