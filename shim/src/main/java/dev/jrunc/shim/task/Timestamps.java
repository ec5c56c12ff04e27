package dev.jrunc.shim.task;

import java.time.Instant;

import com.google.protobuf.Timestamp;

/** Protobuf timestamps as containerd expects them. */
final class Timestamps {
    /**
     * Go's zero time (0001-01-01): what the Go shim sends as exited_at for a process that has not exited.
     * containerd 1.7+ would read a missing field as 1970 instead, so it is always sent.
     */
    static final Timestamp NOT_EXITED = Timestamp.newBuilder().setSeconds(-62135596800L).build();

    private Timestamps() {
    }

    static Timestamp of(Instant instant) {
        if (instant == null) {
            return NOT_EXITED;
        }
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
