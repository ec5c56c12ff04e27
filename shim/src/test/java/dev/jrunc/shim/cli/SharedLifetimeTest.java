package dev.jrunc.shim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The shared shim's end, without a shim: what the linger variable means, and when the end comes. */
class SharedLifetimeTest {
    private final AtomicBoolean tasks = new AtomicBoolean();
    private final AtomicBoolean clients = new AtomicBoolean();
    private final AtomicInteger exits = new AtomicInteger();
    private final CountDownLatch ended = new CountDownLatch(1);

    private SharedLifetime lifetime(Duration linger) {
        return new SharedLifetime(linger, tasks::get, clients::get, () -> {
            exits.incrementAndGet();
            ended.countDown();
        });
    }

    @Test
    void lingerIsReadLikeAGoDurationOrInSeconds() {
        assertEquals(Duration.ofSeconds(90), SharedLifetime.linger("90"));
        assertEquals(Duration.ofSeconds(90), SharedLifetime.linger("90s"));
        assertEquals(Duration.ofMillis(1500), SharedLifetime.linger("1500ms"));
        assertEquals(Duration.ofMinutes(2), SharedLifetime.linger("2m"));
        assertEquals(Duration.ofHours(1), SharedLifetime.linger(" 1H "));
        assertEquals(Duration.ZERO, SharedLifetime.linger("0"));
    }

    @Test
    void anUnsetOrUnreadableLingerIsTheDefault() {
        for (String value : new String[] {null, "", "soon", "-5s", "1.5s", "99999999999999999999", "9999999999999999h"}) {
            assertEquals(SharedLifetime.DEFAULT_LINGER, SharedLifetime.linger(value), String.valueOf(value));
        }
    }

    @Test
    void endsOnceTheLingerIsOverWithoutTasks() throws InterruptedException {
        lifetime(Duration.ZERO).tasksChanged();
        assertTrue(ended.await(10, TimeUnit.SECONDS), "ended");
        assertEquals(1, exits.get());
    }

    @Test
    void waitsWhileAClientIsConnectedAndEndsWhenItLeaves() throws InterruptedException {
        clients.set(true);
        SharedLifetime lifetime = lifetime(Duration.ZERO);
        lifetime.tasksChanged();
        assertFalse(ended.await(1500, TimeUnit.MILLISECONDS), "a connected client (a Create on its way) holds it");
        clients.set(false);
        assertTrue(ended.await(10, TimeUnit.SECONDS), "ended once the client left");
    }

    /** hasTasks answers no when the linger starts and yes when it ends: a task created meanwhile keeps the shim. */
    @Test
    void aTaskCreatedDuringTheLingerKeepsTheShim() throws InterruptedException {
        AtomicInteger asked = new AtomicInteger();
        CountDownLatch lingerOver = new CountDownLatch(1);
        SharedLifetime lifetime = new SharedLifetime(Duration.ZERO, () -> {
            if (asked.incrementAndGet() == 1) {
                return false;
            }
            lingerOver.countDown();
            return true;
        }, clients::get, exits::incrementAndGet);
        lifetime.tasksChanged();
        assertTrue(lingerOver.await(10, TimeUnit.SECONDS), "the linger ended and looked at the tasks");
        assertTrue(lifetime.containerdGone(), "still watching: it did not end");
        assertEquals(0, exits.get());
    }

    @Test
    void containerdGoneEndsItOnlyWithoutTasks() throws InterruptedException {
        tasks.set(true);
        SharedLifetime lifetime = lifetime(Duration.ofHours(1));
        assertTrue(lifetime.containerdGone(), "with a task it keeps watching for containerd");
        assertEquals(0, exits.get());

        tasks.set(false);
        assertFalse(lifetime.containerdGone(), "without a task it stops watching");
        assertTrue(ended.await(10, TimeUnit.SECONDS));
        assertFalse(lifetime.containerdGone(), "ending once is enough");
        assertEquals(1, exits.get());
    }
}
