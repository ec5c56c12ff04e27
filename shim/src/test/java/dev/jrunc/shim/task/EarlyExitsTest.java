package dev.jrunc.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.jrunc.shim.reaper.Exit;

class EarlyExitsTest {
    private final EarlyExits early = new EarlyExits();

    private static Exit exit(int pid, int status) {
        return new Exit(pid, status, Instant.EPOCH);
    }

    @Test
    void anExitDuringTheStartIsHandedToTheProcessOnceItsPidIsKnown() {
        EarlyExits.Window window = early.open();
        assertTrue(early.offer(exit(4242, 7)));
        assertEquals(Optional.of(exit(4242, 7)), early.close(window, 4242));
        assertEquals(0, early.openWindows());
    }

    @Test
    void anOrphansExitOutsideAnyStartIsForgotten() {
        assertFalse(early.offer(exit(4242, 0)), "no start in flight: nobody can claim it");
        EarlyExits.Window window = early.open();
        // pid 4242 is reused by the process this start creates: it must not inherit the orphan's exit
        assertEquals(Optional.empty(), early.close(window, 4242));
    }

    @Test
    void aWindowKeepsOnlyWhatHappenedWhileItWasOpen() {
        EarlyExits.Window first = early.open();
        early.offer(exit(100, 1));
        EarlyExits.Window second = early.open();
        early.offer(exit(200, 2));
        assertEquals(Optional.empty(), early.close(second, 100), "100 exited before the second start began");
        assertEquals(Optional.of(exit(200, 2)), early.close(first, 200));
    }

    @Test
    void aFailedStartClaimsNothingAndClosesItsWindow() {
        EarlyExits.Window window = early.open();
        early.offer(exit(300, 3));
        assertEquals(Optional.empty(), early.close(window, 0));
        assertFalse(early.offer(exit(301, 0)), "no window is left open");
    }

    @Test
    void aStormOfOrphansDuringOneStartIsBounded() {
        EarlyExits.Window window = early.open();
        for (int pid = 1; pid <= 10_000; pid++) {
            early.offer(exit(pid, 0));
        }
        assertEquals(Optional.empty(), early.close(window, 1), "the oldest were dropped");
        EarlyExits.Window next = early.open();
        early.offer(exit(10_001, 9));
        assertEquals(Optional.of(exit(10_001, 9)), early.close(next, 10_001));
    }
}
