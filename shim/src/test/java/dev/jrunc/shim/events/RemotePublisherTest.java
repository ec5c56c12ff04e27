package dev.jrunc.shim.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Empty;

import dev.jrunc.shim.proto.events.Envelope;
import dev.jrunc.shim.proto.events.ForwardRequest;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.Services;
import dev.jrunc.shim.ttrpc.TtrpcException;
import dev.jrunc.shim.ttrpc.TtrpcServer;

/**
 * The publisher against a stand-in for containerd's events service (our own ttrpc server on a socket in a temp
 * folder, serving Forward): order, the envelope containerd reads, and what happens when containerd is away or
 * refuses an event. Giving an event up takes the whole retry schedule (15 s), which {@link RetryScheduleTest}
 * checks without waiting.
 */
@Timeout(30)
class RemotePublisherTest {
    private static final String EVENTS = "containerd.services.events.ttrpc.v1.Events";

    @TempDir
    Path dir;
    private Path socket;
    private ServerSocketChannel listener;
    private TtrpcServer containerd;
    /** Every Forward call's envelope, refused ones too, in arrival order. */
    private final LinkedBlockingQueue<Envelope> arrived = new LinkedBlockingQueue<>();
    private final List<RemotePublisher> publishers = new ArrayList<>();

    @BeforeEach
    void listen() throws IOException {
        socket = dir.resolve("containerd.sock.ttrpc");
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
        containerd = new TtrpcServer(new Services().register(EVENTS, "Forward", ForwardRequest.parser(), request -> {
            arrived.add(request.getEnvelope());
            if (request.getEnvelope().getTopic().equals("/refused")) {
                throw new TtrpcException(Code.INVALID_ARGUMENT, "no such topic");
            }
            return Empty.getDefaultInstance();
        }));
    }

    @AfterEach
    void stop() throws IOException {
        publishers.forEach(RemotePublisher::close);
        containerd.close();
        listener.close();
    }

    private RemotePublisher publisher() {
        RemotePublisher publisher = new RemotePublisher(socket.toString(), "k8s.io");
        publishers.add(publisher);
        return publisher;
    }

    private static TaskExit exit(int pid) {
        return TaskExit.newBuilder().setContainerId("c1").setId("c1").setPid(pid).setExitStatus(pid % 256).build();
    }

    private Envelope next() throws InterruptedException {
        Envelope envelope = arrived.poll(20, TimeUnit.SECONDS);
        assertTrue(envelope != null, "an event arrived");
        return envelope;
    }

    @Test
    void eventsArriveInTheOrderPublishedInTheEnvelopeContainerdReads() throws Exception {
        containerd.start(listener);
        RemotePublisher publisher = publisher();
        for (int pid = 1; pid <= 100; pid++) {
            publisher.publish(Topics.TASK_EXIT, exit(pid));
        }
        for (int pid = 1; pid <= 100; pid++) {
            Envelope envelope = next();
            assertEquals(Topics.TASK_EXIT, envelope.getTopic());
            assertEquals("k8s.io", envelope.getNamespace());
            assertTrue(envelope.getTimestamp().getSeconds() > 0);
            assertEquals("containerd.events.TaskExit", envelope.getEvent().getTypeUrl(), "a bare type URL, as 1.6 needs");
            assertEquals(exit(pid), TaskExit.parseFrom(envelope.getEvent().getValue()));
        }
    }

    @Test
    void whileContainerdIsAwayEventsWaitAndKeepTheirOrder() throws Exception {
        RemotePublisher publisher = publisher();
        publisher.publish(Topics.TASK_START, exit(1));
        publisher.publish(Topics.TASK_EXIT, exit(2));
        // containerd restarting: the first connection is dropped unanswered, which the publisher must retry
        try (SocketChannel dropped = listener.accept()) {
            assertTrue(dropped.isConnected());
        }
        containerd.start(listener);

        assertEquals(Topics.TASK_START, next().getTopic());
        assertEquals(Topics.TASK_EXIT, next().getTopic());
    }

    @Test
    void anEventContainerdRefusesIsNotRetriedAndDoesNotHoldUpTheNext() throws Exception {
        containerd.start(listener);
        RemotePublisher publisher = publisher();
        publisher.publish("/refused", exit(1));
        publisher.publish(Topics.TASK_EXIT, exit(2));

        assertEquals("/refused", next().getTopic());
        assertEquals(Topics.TASK_EXIT, next().getTopic(), "the refused one was not sent again");
    }

    @Test
    void closeSendsWhatIsQueuedFirst() throws Exception {
        containerd.start(listener);
        RemotePublisher publisher = publisher();
        for (int pid = 1; pid <= 20; pid++) {
            publisher.publish(Topics.TASK_EXIT, exit(pid));
        }
        publisher.close();
        assertEquals(20, arrived.size(), "all out before close returned");
    }
}
