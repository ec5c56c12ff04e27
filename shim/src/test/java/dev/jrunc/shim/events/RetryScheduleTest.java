package dev.jrunc.shim.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    /** The moments (in seconds after the first try) at which an event is tried while containerd stays away. */
    private static List<Long> triesWhileContainerdIsAway() {
        List<Long> tries = new ArrayList<>(List.of(0L));
        long at = 0;
        for (int failed = 1; ; failed++) {
            Optional<Duration> delay = RetrySchedule.delayAfter(failed);
            if (delay.isEmpty()) {
                return tries;
            }
            at += delay.get().toSeconds();
            tries.add(at);
        }
    }

    @Test
    void theLastTryComesFifteenSecondsAfterTheFirst() {
        assertEquals(List.of(0L, 1L, 3L, 6L, 10L, 15L), triesWhileContainerdIsAway());
    }

    @Test
    void anOutageOfElevenSecondsIsCovered() {
        assertEquals(true, triesWhileContainerdIsAway().stream().anyMatch(t -> t >= 11));
    }

    @Test
    void nonsenseCountsGiveUp() {
        assertEquals(Optional.empty(), RetrySchedule.delayAfter(0));
        assertEquals(Optional.empty(), RetrySchedule.delayAfter(6));
    }
}
