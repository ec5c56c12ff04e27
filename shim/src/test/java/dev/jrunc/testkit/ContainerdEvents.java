package dev.jrunc.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;

import dev.jrunc.testkit.proto.Envelope;
import dev.jrunc.testkit.proto.PublishRequest;
import dev.jrunc.testkit.proto.SubscribeRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * Every event a private containerd publishes in one namespace, as it arrives, through containerd's own events API
 * ({@code containerd.services.events.v1.Events/Subscribe} on the gRPC socket) — what {@code ctr events} reads,
 * but with each event's bytes as its publisher packed them: {@code ctr events} prints Go's JSON of the decoded
 * struct, which drops zero values and prints a timestamp whether or not the publisher sent one, so it cannot show
 * which fields a shim set.
 *
 * <p>A subscription is usable only once containerd has registered it, which the client is not told. So
 * {@link #subscribe} publishes a marker event and returns when the marker comes back: everything published after
 * that is recorded. {@link #mark} does the same later, to cut the recording into parts: containerd hands each
 * subscriber the events in the order they were published (one broadcaster, one queue per subscriber), so a marker
 * that came back follows every event containerd had accepted before it was published.
 */
public final class ContainerdEvents implements AutoCloseable {
    /** The topic of the markers; containerd accepts any topic of the form /a/b. */
    public static final String MARK_TOPIC = "/jrunc-test/mark";
    private static final String MARK_TYPE = "jrunc.test.Mark";
    private static final String SERVICE = "containerd.services.events.v1.Events";
    private static final Duration MARK_TIMEOUT = Duration.ofSeconds(20);
    private static final Metadata.Key<String> NAMESPACE_HEADER =
            Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);

    private static final MethodDescriptor<PublishRequest, Empty> PUBLISH = MethodDescriptor.<PublishRequest, Empty>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Publish"))
            .setRequestMarshaller(ProtoUtils.marshaller(PublishRequest.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
            .build();
    private static final MethodDescriptor<SubscribeRequest, Envelope> SUBSCRIBE = MethodDescriptor.<SubscribeRequest, Envelope>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Subscribe"))
            .setRequestMarshaller(ProtoUtils.marshaller(SubscribeRequest.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(Envelope.getDefaultInstance()))
            .build();

    private final ManagedChannel channel;
    private final String namespace;
    private final List<Envelope> received = new ArrayList<>();
    private ClientCall<SubscribeRequest, Envelope> subscription;
    private Throwable failure;
    private int marks;

    private ContainerdEvents(ManagedChannel channel, String namespace) {
        this.channel = channel;
        this.namespace = namespace;
    }

    /** Subscribes to the events of the containerd's namespace and returns once the subscription provably records. */
    public static ContainerdEvents subscribe(Containerd containerd) {
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + containerd.address(), InsecureChannelCredentials.create())
                .build();
        ContainerdEvents events = new ContainerdEvents(channel, containerd.namespace());
        try {
            events.start();
            events.firstMark();
            return events;
        } catch (RuntimeException | Error e) {
            events.close();
            throw e;
        }
    }

    private void start() {
        subscription = channel.newCall(SUBSCRIBE, CallOptions.DEFAULT);
        ClientCalls.asyncServerStreamingCall(subscription,
                SubscribeRequest.newBuilder().addFilters("namespace==" + namespace).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(Envelope envelope) {
                        synchronized (received) {
                            received.add(envelope);
                            received.notifyAll();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        synchronized (received) {
                            failure = t;
                            received.notifyAll();
                        }
                    }

                    @Override
                    public void onCompleted() {
                        onError(new IllegalStateException("containerd ended the event subscription"));
                    }
                });
    }

    /**
     * The first marker may be published before containerd has registered the subscription, and then never arrives:
     * publish markers until one does (each wait bounded), and forget whatever came before it.
     */
    private void firstMark() {
        long deadline = System.nanoTime() + MARK_TIMEOUT.toNanos();
        while (true) {
            String label = "subscribed-" + ++marks;
            publish(label);
            int at = awaitIndex("our marker " + label, e -> isMark(e, label), Duration.ofMillis(500), false, 0);
            if (at >= 0) {
                synchronized (received) {
                    received.subList(0, at + 1).clear();
                }
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("containerd did not deliver our marker events within " + MARK_TIMEOUT.toSeconds() + " s");
            }
        }
    }

    /**
     * Publishes a marker and waits until it comes back. Everything containerd accepted before this call is then
     * recorded before the marker.
     *
     * @return the marker's label, for {@link #between}
     */
    public String mark(String name) {
        String label = name + "-" + ++marks;
        publish(label);
        awaitIndex("our marker " + label, e -> isMark(e, label), MARK_TIMEOUT, true, 0);
        return label;
    }

    /** The events recorded between two markers (exclusive), in the order containerd delivered them. */
    public List<Envelope> between(String fromMark, String toMark) {
        synchronized (received) {
            int from = indexOf(e -> isMark(e, fromMark));
            int to = indexOf(e -> isMark(e, toMark));
            if (from < 0 || to < from) {
                throw new IllegalArgumentException("no markers " + fromMark + " … " + toMark + " in this order");
            }
            return List.copyOf(received.subList(from + 1, to));
        }
    }

    /** Waits (bounded) until an event after {@code fromMark} matches, and returns it. */
    public Envelope await(String what, String fromMark, Predicate<Envelope> condition, Duration timeout) {
        int start;
        synchronized (received) {
            start = indexOf(e -> isMark(e, fromMark));
        }
        int at = awaitIndex(what, condition, timeout, true, start + 1);
        synchronized (received) {
            return received.get(at);
        }
    }

    /** Everything recorded so far (for messages). */
    public List<Envelope> all() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    public static boolean isMark(Envelope envelope) {
        return MARK_TOPIC.equals(envelope.getTopic());
    }

    private static boolean isMark(Envelope envelope, String label) {
        return isMark(envelope) && envelope.getEvent().getValue().toStringUtf8().equals(label);
    }

    private void publish(String label) {
        Metadata headers = new Metadata();
        headers.put(NAMESPACE_HEADER, namespace);
        Any event = Any.newBuilder().setTypeUrl(MARK_TYPE).setValue(ByteString.copyFrom(label, StandardCharsets.UTF_8)).build();
        ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
                PUBLISH, CallOptions.DEFAULT.withDeadlineAfter(MARK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                PublishRequest.newBuilder().setTopic(MARK_TOPIC).setEvent(event).build());
    }

    private int awaitIndex(String what, Predicate<Envelope> condition, Duration timeout, boolean required, int from) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            int checked = from;
            while (true) {
                for (; checked < received.size(); checked++) {
                    if (condition.test(received.get(checked))) {
                        return checked;
                    }
                }
                if (failure != null) {
                    throw new AssertionError("the event subscription failed", failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (required) {
                        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; got "
                                + received.stream().map(Envelope::getTopic).toList());
                    }
                    return -1;
                }
                try {
                    received.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private int indexOf(Predicate<Envelope> condition) {
        for (int i = 0; i < received.size(); i++) {
            if (condition.test(received.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Ends the subscription and the channel, so that no gRPC thread outlives the test. */
    @Override
    public void close() {
        if (subscription != null) {
            subscription.cancel("test done", null);
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
