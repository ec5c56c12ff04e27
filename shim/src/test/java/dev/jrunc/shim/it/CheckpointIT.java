package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * {@code ctr task checkpoint} goes through the shim to {@code runc checkpoint}, which runs CRIU. Where CRIU works,
 * the checkpoint succeeds and the container keeps running; where it cannot (some kernels: `criu check` says
 * why), the error names CRIU's log, which the shim keeps in the bundle — and the container keeps running too.
 */
@WithPrivateContainerd
class CheckpointIT {

    @Test
    void checkpointSucceedsOrExplainsWhyNot(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "counter", "sh", "-c",
                "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done").assertOk();
        CtrResult criu = Testkit.run(Duration.ofSeconds(30), Map.of(), "criu", "check");
        CtrResult checkpoint = containerd.ctr("task", "checkpoint", "counter");

        if (criu.exitCode() == 0) {
            assertEquals(0, checkpoint.exitCode(), "CRIU works here, so the checkpoint must succeed: " + checkpoint);
            assertTrue(containerd.ctr("images", "ls", "-q").stdout().contains("checkpoint"), "a checkpoint image was made");
        } else {
            assertNotEquals(0, checkpoint.exitCode(), checkpoint::toString);
            assertTrue(checkpoint.stderr().contains("OCI runtime checkpoint failed"), checkpoint::toString);
            assertTrue(checkpoint.stderr().contains("criu-dump.log"), checkpoint::toString);
            assertTrue(Files.exists(containerd.bundle("counter").resolve("criu-dump.log")), "CRIU's log is kept");
            System.out.println("CRIU cannot work on this machine (`criu check`: " + criu.stderr().trim()
                    + "), so only the error path was checked");
        }
        assertEquals("RUNNING", Procs.taskStatus(containerd, "counter"), "the container runs on");

        containerd.ctr("task", "kill", "-s", "SIGKILL", "counter").assertOk();
        Procs.await("counter is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "counter")));
        containerd.ctr("task", "rm", "counter");
        containerd.ctr("container", "rm", "counter").assertOk();
    }
}
