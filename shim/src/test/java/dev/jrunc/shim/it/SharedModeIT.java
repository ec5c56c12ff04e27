package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * The shared mode (runtime io.containerd.jrunc-shared.v2): one shim for every container of a containerd namespace,
 * which stays up between containers, and which the launcher finds without starting a JVM.
 */
@WithPrivateContainerd
class SharedModeIT {
    private static final String SHARED = "io.containerd.jrunc-shared.v2";

    @Test
    void oneShimServesTheNamespaceAndOutlivesItsContainers(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(SHARED, "shared-a", "sleep", "600").assertOk();
        containerd.runBusyboxDetached(SHARED, "shared-b", "sleep", "600").assertOk();
        long shim = Procs.ppid(Procs.taskPid(containerd, "shared-a"));
        assertEquals(shim, Procs.ppid(Procs.taskPid(containerd, "shared-b")), "both inits are children of one shim");
        assertEquals(List.of("containerd-shim-jrunc-shared-v2", "-namespace", containerd.namespace(), "-id", "shared-a",
                "-address", containerd.address()), Procs.arguments(shim));

        // The advertisement the launcher reads: "<pid> <socket>", under a name it computes with shell builtins.
        Path advertisement = Path.of("/run/jrunc-shim", containerd.namespace() + containerd.address().replace('/', '_'));
        String[] advertised = Files.readString(advertisement).split(" ");
        assertEquals(Long.toString(shim), advertised[0]);
        assertEquals(Files.readString(containerd.bundle("shared-a").resolve("address")), "unix://" + advertised[1]);

        CtrResult echo = containerd.runBusybox(SHARED, "shared-echo", "echo", "through the shared shim");
        assertEquals("through the shared shim\n", echo.assertOk().stdout());
        for (String id : List.of("shared-a", "shared-b")) {
            containerd.ctr("task", "kill", "-s", "SIGKILL", id).assertOk();
            Procs.await(id + " is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, id)));
            containerd.ctr("task", "rm", id);
            containerd.ctr("container", "rm", id).assertOk();
        }
        // About time itself: ctr task rm returns once the shim has answered containerd's Shutdown, after which a
        // shim that ends with its last container would exit; this grace gives it the time to (the next container
        // finding the same shim, below, catches a later exit too).
        Thread.sleep(500);
        assertTrue(kit.Procs.alive(shim) && !"Z".equals(Procs.state(shim)), "the shared shim stays up without containers");

        containerd.runBusyboxDetached(SHARED, "shared-c", "sleep", "600").assertOk();
        assertEquals(shim, Procs.ppid(Procs.taskPid(containerd, "shared-c")), "the next container finds the same shim");
        containerd.ctr("task", "kill", "-s", "SIGKILL", "shared-c").assertOk();
        Procs.await("shared-c is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "shared-c")));
        containerd.ctr("task", "rm", "shared-c");
        containerd.ctr("container", "rm", "shared-c").assertOk();
    }

    /** The trade-off of the mode: the one shim's death takes every container of the namespace with it. */
    @Test
    void whenTheSharedShimDiesContainerdCleansUpEachContainer(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(SHARED, "doomed-1", "sleep", "600").assertOk();
        containerd.runBusyboxDetached(SHARED, "doomed-2", "sleep", "600").assertOk();
        long first = Procs.taskPid(containerd, "doomed-1");
        long second = Procs.taskPid(containerd, "doomed-2");
        long shim = Procs.ppid(first);

        ProcessHandle.of(shim).orElseThrow().destroyForcibly();

        for (long init : List.of(first, second)) {
            Procs.await("container process " + init + " is gone", () -> !kit.Procs.alive(init) || "Z".equals(Procs.state(init)));
        }
        Procs.await("both tasks are gone", () -> containerd.ctr("task", "ls", "-q").stdoutLines().isEmpty());
        for (String id : List.of("doomed-1", "doomed-2")) {
            Path state = Path.of("/run/containerd/runc", containerd.namespace(), id);
            Procs.await("runc's state of " + id + " is removed by our delete", () -> !Files.exists(state));
            containerd.ctr("container", "rm", id).assertOk();
        }
    }
}
