package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.Testkit;

/**
 * When the shared shim (runtime io.containerd.jrunc-shared.v2) ends: after its namespace has had no task for the
 * linger period (JRUNC_SHARED_LINGER in containerd's environment, which its shims inherit), at once when its
 * containerd is gone and it serves no task, and never while it serves one, also across a containerd restart. When
 * it ends it removes its socket and its advertisement, as a Go shim removes its socket.
 *
 * <p>Each test has a containerd of its own, started with the linger it needs: 2 s where the test waits for the
 * linger, 10 minutes where an exit within the test's deadlines can only come from containerd's absence.
 */
class SharedShimLifetimeIT {
    private static final String SHARED = "io.containerd.jrunc-shared.v2";
    private static final String SHARED_PROGRAM = "containerd-shim-jrunc-shared-v2";
    /** Deadline for the shim's end and reconnection: generous for a busy machine; the proof ends the wait at once. */
    private static final Duration SLOW = Duration.ofMinutes(1);

    @Test
    void afterTheLastDeleteAndTheLingerNoShimIsLeft() throws Exception {
        Containerd containerd = start("it-sharedlinger", "2s");
        try {
            long shim = runSleeper(containerd, "linger-a");
            Path socket = socketOf(containerd, "linger-a");
            remove(containerd, "linger-a");

            awaitGone(containerd, shim);
            assertTrue(Procs.shims(containerd, SHARED_PROGRAM).isEmpty(), "no shared shim process is left");
            assertFalse(Files.exists(socket), "the shim removed its socket " + socket);
            assertFalse(Files.exists(advertisement(containerd)), "the shim withdrew its advertisement");
            assertTrue(containerd.isRunning(), "containerd itself is untouched");

            // The next container gets a new shim (the launcher finds no stale advertisement).
            long next = runSleeper(containerd, "linger-b");
            assertNotEquals(shim, next);
            remove(containerd, "linger-b");
            awaitGone(containerd, next);
        } finally {
            containerd.stop();
        }
    }

    @Test
    void endsAtOnceWhenContainerdIsKilledAndItServesNoTask() throws Exception {
        Containerd containerd = start("it-sharedgone", "10m");
        try {
            long shim = runSleeper(containerd, "gone-a");
            Path socket = socketOf(containerd, "gone-a");
            remove(containerd, "gone-a");
            assertTrue(kit.Procs.alive(shim), "within its 10 min linger, the shim is still up");

            containerd.kill9();

            awaitGone(containerd, shim);
            assertFalse(Files.exists(socket), "the shim removed its socket " + socket);
            assertFalse(Files.exists(advertisement(containerd)), "the shim withdrew its advertisement");

            containerd.restart();
            long next = runSleeper(containerd, "gone-b");
            assertNotEquals(shim, next, "the restarted containerd's next container has a new shim");
            remove(containerd, "gone-b");
        } finally {
            containerd.stop();
        }
    }

    /**
     * With a task, containerd's death does not end the shim: it waits for containerd to come back, and the restarted
     * containerd finds the task through it. That the shim noticed the death is shown by what it does next: it tries
     * to reach containerd again, which the test sees by listening on containerd's ttrpc socket itself meanwhile.
     * Only then is containerd restarted. Afterwards the shim watches the new containerd: once the task is deleted,
     * killing that one ends the shim too.
     */
    @Test
    void staysWithItsTaskWhenContainerdIsKilledAndServesItAfterTheRestart() throws Exception {
        Containerd containerd = start("it-sharedstay", "10m");
        try {
            long shim = runSleeper(containerd, "stay-a");
            long init = Procs.taskPid(containerd, "stay-a");

            containerd.kill9();
            awaitReconnectAttempt(Path.of(containerd.ttrpcAddress()));
            assertTrue(kit.Procs.alive(shim), "the shim with a task outlives containerd");

            containerd.restart();
            assertEquals("RUNNING", Procs.taskStatus(containerd, "stay-a"), "the restarted containerd found the task");
            assertEquals(init, Procs.taskPid(containerd, "stay-a"));
            assertEquals(shim, Procs.ppid(init), "served by the same shim");
            assertEquals("still served\n", containerd.ctr("task", "exec", "--exec-id", "e1", "stay-a",
                    "echo", "still served").assertOk().stdout());
            remove(containerd, "stay-a");
            assertTrue(kit.Procs.alive(shim), "within its 10 min linger, the shim is still up");

            containerd.kill9();
            awaitGone(containerd, shim);
            assertFalse(Files.exists(advertisement(containerd)), "the shim withdrew its advertisement");
        } finally {
            containerd.stop();
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static Containerd start(String name, String linger) {
        return Containerd.start(Testkit.fixtureRoot().resolve(name), "jrunc-it", false, Map.of("JRUNC_SHARED_LINGER", linger));
    }

    /** Runs {@code sleep 600} under the shared runtime; returns its shim's pid. */
    private static long runSleeper(Containerd containerd, String id) {
        containerd.runBusyboxDetached(SHARED, id, "sleep", "600").assertOk();
        long shim = Procs.ppid(Procs.taskPid(containerd, id));
        assertEquals(SHARED_PROGRAM, Procs.arguments(shim).get(0), "the container's parent is the shared shim");
        return shim;
    }

    private static void remove(Containerd containerd, String id) throws InterruptedException {
        containerd.ctr("task", "kill", "-s", "SIGKILL", id).assertOk();
        Procs.await(id + " is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, id)));
        containerd.ctr("task", "rm", id);
        containerd.ctr("container", "rm", id).assertOk();
    }

    private static Path socketOf(Containerd containerd, String id) throws IOException {
        return Path.of(Files.readString(containerd.bundle(id).resolve("address")).replaceFirst("^unix://", ""));
    }

    private static Path advertisement(Containerd containerd) {
        return Path.of("/run/jrunc-shim", containerd.namespace() + containerd.address().replace('/', '_'));
    }

    private static void awaitGone(Containerd containerd, long shim) throws InterruptedException {
        Procs.await("the shared shim " + shim + " has exited", SLOW, () -> !kit.Procs.alive(shim)
                && !Procs.shims(containerd, SHARED_PROGRAM).contains(shim));
    }

    /**
     * Listens where the dead containerd listened (its socket file outlives a SIGKILL: replaced by ours) until the
     * shim connects, then leaves the path free for containerd's restart.
     */
    private static void awaitReconnectAttempt(Path ttrpcSocket) throws Exception {
        Files.deleteIfExists(ttrpcSocket);
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(ttrpcSocket));
            listener.configureBlocking(false);
            SocketChannel[] accepted = new SocketChannel[1];
            Procs.await("the shim tries to reach containerd again", SLOW, () -> {
                try {
                    accepted[0] = listener.accept();
                    return accepted[0] != null;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            accepted[0].close();
        } finally {
            Files.deleteIfExists(ttrpcSocket);
        }
    }
}
