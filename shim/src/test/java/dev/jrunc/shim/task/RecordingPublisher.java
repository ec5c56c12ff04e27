package dev.jrunc.shim.task;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import com.google.protobuf.Message;

import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.events.Topics;

/** A publisher that keeps every event, in order, and lets a test wait for one to come. */
final class RecordingPublisher implements Publisher {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    record Event(String topic, Message message) {
    }

    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void publish(String topic, Message event) {
        events.add(new Event(topic, event));
        notifyAll();
    }

    @Override
    public void close() {
    }

    /** Every event so far but OOM notices (the test JVM's own cgroup may see those). */
    synchronized List<Event> events() {
        return events.stream().filter(event -> !event.topic().equals(Topics.TASK_OOM)).toList();
    }

    synchronized List<String> topics() {
        return events().stream().map(Event::topic).toList();
    }

    /** The first event on {@code topic} that {@code matches}, once published; fails after 20 s without it. */
    @SuppressWarnings("unchecked")
    synchronized <T extends Message> T await(String topic, Class<T> type, Predicate<T> matches)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            for (Event event : events) {
                if (event.topic().equals(topic) && matches.test((T) event.message())) {
                    return type.cast(event.message());
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + topic + " event within " + PATIENCE.toSeconds() + " s; got " + topics());
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
