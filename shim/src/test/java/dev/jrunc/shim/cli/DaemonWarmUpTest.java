package dev.jrunc.shim.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

/**
 * The warm-up swallows its own failures (it is only a head start, and start's answer must not wait for it), so a
 * class renamed or a message changed would silently take its benefit away. Here every step of it must work.
 */
class DaemonWarmUpTest {

    @Test
    void everyStepWorks() {
        assertDoesNotThrow(DaemonWarmUp::warmUp);
    }
}
