package dev.jrunc.shim.events;

import java.time.Duration;
import java.util.Optional;

/**
 * When to try an event again after containerd did not take it: 1, 2, 3, 4, then 5 s later — the Go shim's re-queue
 * delays — so the last try comes 15 s after the first failed one, and an outage of up to 15 s loses nothing.
 *
 * <p>The count matters: five tries with a pause after each (what this publisher once did) give up at the fifth, 10 s
 * in, after which the last pause only delays the next event. A containerd restart that takes 11 s lost an exit.
 */
final class RetrySchedule {
    private static final int RETRIES = 5;

    private RetrySchedule() {
    }

    /**
     * @param failedAttempts how many tries have failed so far (1 after the first)
     * @return how long to wait before the next try, or empty: give the event up
     */
    static Optional<Duration> delayAfter(int failedAttempts) {
        if (failedAttempts < 1 || failedAttempts > RETRIES) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(failedAttempts));
    }
}
