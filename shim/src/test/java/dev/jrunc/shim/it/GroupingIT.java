package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * One shim for a group of containers (what CRI does for a pod through io.kubernetes.cri.sandbox-id): every
 * container of the group talks to the same shim process, which ends only with the last of them.
 */
@WithPrivateContainerd
class GroupingIT {
    private static final String GROUP = "--annotation=io.containerd.runc.v2.group=grp1";

    @Test
    void containersOfAGroupShareOneShim(Containerd containerd) throws Exception {
        run(containerd, "first").assertOk();
        run(containerd, "second").assertOk();
        long shim = Procs.ppid(Procs.taskPid(containerd, "first"));
        assertEquals(shim, Procs.ppid(Procs.taskPid(containerd, "second")), "both inits are children of one shim");
        assertEquals(List.of(shim), Procs.shims(containerd), "only one shim process");
        assertEquals(Files.readString(containerd.bundle("first").resolve("address")),
                Files.readString(containerd.bundle("second").resolve("address")));

        remove(containerd, "first");
        assertFalse(Files.exists(containerd.bundle("first")), "containerd removed the first bundle (the shim's cwd)");
        assertTrue(kit.Procs.alive(shim), "the shim serves on while the group has containers");
        assertEquals("RUNNING", Procs.taskStatus(containerd, "second"));
        CtrResult exec = containerd.ctr("task", "exec", "--exec-id", "still", "second", "echo", "still served");
        assertEquals("still served\n", exec.assertOk().stdout(), "the shim works without its first bundle");

        remove(containerd, "second");
        Procs.await("the shim exits after the last container", () -> !kit.Procs.alive(shim) || "Z".equals(Procs.state(shim)));
    }

    private static CtrResult run(Containerd containerd, String id) {
        return containerd.ctr("run", "-d", "--runtime", Containerd.JRUNC_RUNTIME, GROUP, "--env", Containerd.PATH_ENV,
                "--rootfs", containerd.busyboxRootfs().toString(), id, "sleep", "600");
    }

    private static void remove(Containerd containerd, String id) throws Exception {
        containerd.ctr("task", "kill", "-s", "SIGKILL", id).assertOk();
        Procs.await(id + " is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, id)));
        containerd.ctr("task", "rm", id);
        containerd.ctr("container", "rm", id).assertOk();
    }
}
