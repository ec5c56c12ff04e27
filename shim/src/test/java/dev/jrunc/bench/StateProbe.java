package dev.jrunc.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;

import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.ttrpc.TtrpcClient;

/**
 * State calls to one running container's shim, one after another, each timed: containerd's view of how quickly a
 * shim answers. {@link #start} runs them in the background (with a short pause between calls, so the probe itself
 * does not become the load) while something else happens — a Create on another container — and
 * {@link #overlapping} picks the calls that were in flight during that something.
 */
final class StateProbe {
    /** Sent by containerd with every call; both shims take the namespace from their flags, but send it anyway. */
    static final String NAMESPACE_HEADER = "containerd-namespace-ttrpc";
    private static final long PAUSE_MILLIS = 2;

    record Call(long startNanos, long endNanos, boolean ok) {
        double millis() {
            return (endNanos - startNanos) / 1e6;
        }
    }

    private final TtrpcClient client;
    private final ByteString request;
    private final Map<String, String> metadata;
    private final List<Call> calls = new ArrayList<>();
    private volatile boolean running;
    private Thread thread;

    StateProbe(TtrpcClient client, String namespace, String containerId) {
        this.client = client;
        this.request = StateRequest.newBuilder().setId(containerId).build().toByteString();
        this.metadata = Map.of(NAMESPACE_HEADER, namespace);
    }

    /** One State call, timed (also used directly, for the idle figures). */
    Call once() {
        long start = System.nanoTime();
        boolean ok = true;
        try {
            client.call(TtrpcPhase.SERVICE, "State", request, Duration.ofSeconds(10), metadata);
        } catch (Exception e) {
            ok = false;
        }
        return new Call(start, System.nanoTime(), ok);
    }

    StateProbe start() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                Call call = once();
                synchronized (calls) {
                    calls.add(call);
                }
                Procs.sleep(PAUSE_MILLIS);
            }
        }, "state probe");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    List<Call> stop() {
        running = false;
        if (thread == null) {
            return List.of();
        }
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** The calls that were in flight at some moment between FROM and TO (System.nanoTime values). */
    static List<Call> overlapping(List<Call> calls, long from, long to) {
        return calls.stream().filter(c -> c.startNanos() < to && c.endNanos() > from).toList();
    }
}
