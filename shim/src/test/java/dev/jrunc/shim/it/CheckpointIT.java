package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * {@code ctr task checkpoint} goes through the shim to {@code runc checkpoint}, which runs CRIU. Where CRIU works,
 * the checkpoint succeeds and the container keeps running; where it cannot (some kernels: `criu check` says
 * why), the error names CRIU's log, which the shim keeps in the bundle — and the container keeps running too.
 * Each machine can reach one of the two paths; the other is reported as skipped, with the reason.
 */
@WithPrivateContainerd
class CheckpointIT {
    private static final String COUNTER = "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done";

    @Test
    void aCheckpointSucceedsAndTheContainerRunsOn(Containerd containerd) throws Exception {
        Assumptions.assumeTrue(Criu.works(), () -> "skipped, because " + Criu.whyNot());
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "counter", "sh", "-c", COUNTER).assertOk();
        CtrResult checkpoint = containerd.ctr("task", "checkpoint", "counter");
        assertEquals(0, checkpoint.exitCode(), "CRIU works here, so the checkpoint must succeed: " + checkpoint);
        assertTrue(containerd.ctr("images", "ls", "-q").stdout().contains("checkpoint"), "a checkpoint image was made");
        assertEquals("RUNNING", Procs.taskStatus(containerd, "counter"), "the container runs on");
        remove(containerd, "counter");
    }

    @Test
    void aFailedCheckpointNamesCriusLogAndTheContainerRunsOn(Containerd containerd) throws Exception {
        Assumptions.assumeTrue(Criu.installed(), () -> "skipped, because " + Criu.whyNot());
        Assumptions.assumeFalse(Criu.works(), "skipped, because CRIU works on this machine: a checkpoint cannot fail here");
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "counter", "sh", "-c", COUNTER).assertOk();
        CtrResult checkpoint = containerd.ctr("task", "checkpoint", "counter");
        assertNotEquals(0, checkpoint.exitCode(), checkpoint::toString);
        assertTrue(checkpoint.stderr().contains("OCI runtime checkpoint failed"), checkpoint::toString);
        assertTrue(checkpoint.stderr().contains("criu-dump.log"), checkpoint::toString);
        assertTrue(Files.exists(containerd.bundle("counter").resolve("criu-dump.log")), "CRIU's log is kept");
        assertEquals("RUNNING", Procs.taskStatus(containerd, "counter"), "the container runs on");
        remove(containerd, "counter");
    }

    private static void remove(Containerd containerd, String id) throws InterruptedException {
        containerd.ctr("task", "kill", "-s", "SIGKILL", id).assertOk();
        Procs.await(id + " is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, id)));
        containerd.ctr("task", "rm", id);
        containerd.ctr("container", "rm", id).assertOk();
    }
}
