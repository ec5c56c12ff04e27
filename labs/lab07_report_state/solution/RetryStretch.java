package lab07_report_state.solution;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Message;

import dev.jrunc.shim.ttrpc.TtrpcException;
import lab07_report_state.Lab07;

/**
 * Lab 07 stretch solution: a queue and one sender thread, so that publishing never waits and the order is kept; an
 * event that fails is tried again after 1, 2, 3, 4, 5 s, holding back those behind it.
 */
public final class RetryStretch implements Lab07.Stretch {
    private static final int RETRIES = 5;

    private record Event(String topic, Message message) {
    }

    private final Lab07.Forwarder forwarder;
    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>(2048);
    private final Thread sender = new Thread(this::sendForever, "events");
    private volatile boolean closing;

    public RetryStretch(Lab07.Forwarder forwarder) {
        this.forwarder = forwarder;
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void publish(String topic, Message event) {
        queue.offer(new Event(topic, event));     // full (2048 waiting): dropped, as the Go shim's queue does
    }

    @Override
    public void close() {
        closing = true;
        try {
            sender.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sendForever() {
        try {
            while (!closing || !queue.isEmpty()) {
                Event event = queue.poll(100, TimeUnit.MILLISECONDS);
                if (event != null) {
                    send(event);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(Event event) throws InterruptedException {
        for (int failed = 0; ; ) {
            try {
                forwarder.forward(event.topic(), event.message());
                return;
            } catch (IOException away) {
                if (++failed > RETRIES) {
                    return;                        // 15 s after the first failure: given up
                }
                Thread.sleep(failed * 1000L);
            } catch (TtrpcException refused) {
                return;                            // containerd said no: the same event would get the same answer
            }
        }
    }
}
