package dev.jrunc.shim.events;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import dev.jrunc.shim.proto.events.Envelope;
import dev.jrunc.shim.proto.events.ForwardRequest;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * Publishes events to containerd over ttrpc: {@code containerd.services.events.ttrpc.v1.Events/Forward} on the
 * socket containerd names in {@code TTRPC_ADDRESS}.
 *
 * <p>One thread sends from a queue, so publishing never blocks a Task call and events keep their order
 * (containerd's clients rely on /tasks/start arriving before /tasks/exit). If containerd is away (restarting),
 * the sender reconnects and retries, holding back the events behind it so their order is kept, for 1+2+3+4+5 =
 * 15 seconds ({@link RetrySchedule}); then it drops that event, as the Go shim does.
 */
public final class RemotePublisher implements Publisher {
    private static final System.Logger LOG = System.getLogger("jrunc.events");
    private static final String SERVICE = "containerd.services.events.ttrpc.v1.Events";
    private static final int QUEUE_SIZE = 2048;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final String address;
    private final String namespace;
    private final LinkedBlockingQueue<Envelope> queue = new LinkedBlockingQueue<>(QUEUE_SIZE);
    private final Thread sender;
    private volatile boolean closing;
    private TtrpcClient client;

    public RemotePublisher(String address, String namespace) {
        this.address = address;
        this.namespace = namespace;
        this.sender = new Thread(this::sendForever, "events");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void publish(String topic, Message event) {
        Instant now = Instant.now();
        Envelope envelope = Envelope.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setNamespace(namespace)
                .setTopic(topic)
                .setEvent(pack(event))
                .build();
        if (!queue.offer(envelope)) {
            LOG.log(System.Logger.Level.WARNING, "event queue full, dropping {0}", topic);
        }
    }

    /**
     * containerd 1.6 looks event types up by their bare full name, e.g. {@code containerd.events.TaskExit}.
     * {@code Any.pack} would prefix {@code type.googleapis.com/}, which 1.6 cannot resolve.
     */
    public static Any pack(Message event) {
        return Any.newBuilder()
                .setTypeUrl(event.getDescriptorForType().getFullName())
                .setValue(event.toByteString())
                .build();
    }

    private void sendForever() {
        while (true) {
            Envelope envelope;
            try {
                envelope = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (envelope == null) {
                if (closing) {
                    return;
                }
                continue;
            }
            send(envelope);
        }
    }

    private void send(Envelope envelope) {
        ForwardRequest request = ForwardRequest.newBuilder().setEnvelope(envelope).build();
        for (int failed = 0; ; ) {
            try {
                connected().call(SERVICE, "Forward", request.toByteString(), CALL_TIMEOUT,
                        Map.of("containerd-namespace-ttrpc", namespace));
                return;
            } catch (IOException e) {
                disconnect();
                failed++;
                java.util.Optional<Duration> delay = RetrySchedule.delayAfter(failed);
                if (delay.isEmpty() || closing && failed > 1) {
                    break;
                }
                sleep(delay.get().toMillis());
            } catch (TtrpcException e) {
                LOG.log(System.Logger.Level.WARNING, "containerd refused event {0}: {1}", envelope.getTopic(), e.getMessage());
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "dropped event {0}: containerd at {1} does not answer", envelope.getTopic(), address);
    }

    private TtrpcClient connected() throws IOException {
        if (client == null || client.isClosed()) {
            client = TtrpcClient.connect(address);
        }
        return client;
    }

    private void disconnect() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            sender.join(DRAIN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        disconnect();
    }
}
