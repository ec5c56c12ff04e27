package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/** The point of a shim: containerd can die and come back, and the container never notices. */
@WithPrivateContainerd
class RestartIT {

    @Test
    void containerAndShimOutliveContainerdAndAreReconnected(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "survivor", "sh", "-c",
                "trap 'exit 143' TERM; sleep 600 & wait").assertOk();
        long init = Procs.taskPid(containerd, "survivor");
        long shim = Procs.ppid(init);
        long oldContainerd = containerd.pid();

        containerd.kill9();
        // About time itself: a shim that followed containerd into death would be gone within this grace. (A later
        // death fails the checks after the restart: the task would not be RUNNING under the same shim.)
        Thread.sleep(500);
        assertTrue(kit.Procs.alive(init), "the container lives on without containerd");
        assertTrue(kit.Procs.alive(shim), "the shim lives on without containerd");

        containerd.restart();
        assertNotEquals(oldContainerd, containerd.pid(), "a new containerd");
        assertEquals("RUNNING", Procs.taskStatus(containerd, "survivor"), "containerd found the task again");
        assertEquals(init, Procs.taskPid(containerd, "survivor"));
        assertEquals(shim, Procs.ppid(init), "the same shim still serves it");

        containerd.ctr("task", "kill", "survivor").assertOk();
        Procs.await("survivor is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "survivor")));
        CtrResult rm = containerd.ctr("task", "rm", "survivor");
        assertTrue(rm.stderr().contains("exit code 143"), "exit status after the restart: " + rm);
        containerd.ctr("container", "rm", "survivor").assertOk();
        Procs.await("the shim exits", () -> !kit.Procs.alive(shim) || "Z".equals(Procs.state(shim)));
    }
}
