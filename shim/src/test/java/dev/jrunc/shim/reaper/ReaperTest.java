package dev.jrunc.shim.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.jrunc.shim.posix.Spawn;

/**
 * The reaper on real processes (no root needed). These tests run in the test JVM: it must not start other
 * children with ProcessBuilder meanwhile, or the reaper would take their statuses — which is the point.
 */
class ReaperTest {
    private static final Reaper REAPER = Reaper.start();

    @Test
    void exitCodesAndSignalsBecomeContainerdsStatus() throws Exception {
        assertEquals(3, REAPER.spawn(sh("exit 3")).await().status());
        assertEquals(0, REAPER.spawn(sh("true")).await().status());
        assertEquals(137, REAPER.spawn(sh("kill -KILL $$")).await().status(), "128 + SIGKILL");
        assertEquals(143, REAPER.spawn(sh("kill -TERM $$")).await().status(), "128 + SIGTERM");
    }

    @Test
    void aChildThatExitsAtOnceIsStillMatched() throws Exception {
        for (int i = 0; i < 50; i++) {
            Reaper.Child child = REAPER.spawn(Spawn.of("/bin/true", List.of("true")));
            assertEquals(0, child.exit().get(10, TimeUnit.SECONDS).status(), "run " + i);
        }
    }

    @Test
    void exitsOfProcessesWeDidNotSpawnGoToSubscribers() throws Exception {
        dev.jrunc.shim.posix.Posix.setChildSubreaper();
        LinkedBlockingQueue<Exit> orphans = new LinkedBlockingQueue<>();
        REAPER.subscribe(orphans::add);
        // The shell starts a grandchild and exits: the orphan becomes our child (we are a subreaper).
        Reaper.Child parent = REAPER.spawn(sh("sh -c 'sleep 0.3; exit 5' & echo $! > /dev/null; exit 0"));
        assertEquals(0, parent.await().status());
        Exit orphan = orphans.poll(10, TimeUnit.SECONDS);
        assertTrue(orphan != null, "the orphan's exit reached the subscriber");
        assertEquals(5, orphan.status());
    }

    @Test
    void decodesRawWaitStatuses() {
        assertEquals(3, Exit.statusOf(0x300));
        assertEquals(143, Exit.statusOf(0xf));
        assertEquals(139, Exit.statusOf(0x8b), "SIGSEGV with core dump flag");
    }

    private static Spawn sh(String script) {
        return Spawn.of("/bin/sh", List.of("sh", "-c", script));
    }
}
