package dev.jrunc.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;

import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.CreateTaskRequest;
import dev.jrunc.shim.proto.task.CreateTaskResponse;
import dev.jrunc.shim.proto.task.DeleteRequest;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.proto.task.KillRequest;
import dev.jrunc.shim.proto.task.ShutdownRequest;
import dev.jrunc.shim.proto.task.StartRequest;
import dev.jrunc.shim.proto.task.StartResponse;
import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.proto.task.StateResponse;
import dev.jrunc.shim.proto.task.WaitRequest;
import dev.jrunc.shim.proto.task.WaitResponse;
import dev.jrunc.shim.ttrpc.TtrpcClient;

/**
 * The Task API over ttrpc, with the benchmark in containerd's seat (the project's own TtrpcClient).
 *
 * <ol>
 *   <li>State, idle: an "anchor" container per mode is started through ctr ({@code sleep 600}); we call State on its
 *       shim's socket over and over while containerd keeps its own connection to the same shim.</li>
 *   <li>Create → Start → State: we start a shim with its {@code start} subcommand as containerd would (same
 *       containerd address and namespace, so the shared mode lands on the namespace's running shim), then Create a
 *       container from a bundle of ctr's making, Start it, ask its State, and tear it down (Kill, Wait, Delete,
 *       Shutdown).</li>
 *   <li>State while a runc create is in flight: the same cycle once more, while a {@link StateProbe} calls State on
 *       the anchor; the calls that overlap the Create call are the figure. In per-pod mode (and Go's) the Create runs
 *       in another shim process; in the shared mode in the same one, which is the case to watch.</li>
 * </ol>
 * Each cycle is run twice, clean (for the Create/Start figures) and probed (for State during Create), so that the
 * probe's own calls never slow the figures of the clean one.
 */
final class TtrpcPhase implements Phase {
    static final String SERVICE = "containerd.task.v2.Task";
    private static final int IDLE_BLOCK = 50;
    private static final int WARM_UP_CALLS = 200;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public String name() {
        return "ttrpc";
    }

    @Override
    public void run(Bench bench) throws Exception {
        Config config = bench.config();
        String ns = config.namespace();
        Map<Mode, String> anchors = new LinkedHashMap<>();
        Map<Mode, TtrpcClient> clients = new LinkedHashMap<>();
        try {
            for (Mode mode : config.modes()) {
                String id = "anchor-" + mode.key;
                anchors.put(mode, id);
                bench.ctr().sleeper(ns, mode, id);
                clients.put(mode, TtrpcClient.connect(bench.ctr().shimAddress(ns, id)));
            }
            idleState(bench, anchors, clients);
            for (int round = 0; round < config.createN(); round++) {
                for (Mode mode : Mode.rotate(config.modes(), round)) {
                    cycle(bench, mode, round, null);
                    cycle(bench, mode, round, new StateProbe(clients.get(mode), ns, anchors.get(mode)));
                }
                bench.progress(round + 1, config.createN());
            }
        } finally {
            clients.values().forEach(TtrpcClient::close);
            bench.ctr().remove(ns, anchors.values());
        }
    }

    private void idleState(Bench bench, Map<Mode, String> anchors, Map<Mode, TtrpcClient> clients) {
        Config config = bench.config();
        Map<Mode, StateProbe> probes = new LinkedHashMap<>();
        for (Mode mode : config.modes()) {
            StateProbe probe = new StateProbe(clients.get(mode), config.namespace(), anchors.get(mode));
            probes.put(mode, probe);
            for (int i = 0; i < WARM_UP_CALLS; i++) {
                probe.once();
            }
        }
        int blocks = (config.stateN() + IDLE_BLOCK - 1) / IDLE_BLOCK;
        for (int block = 0; block < blocks; block++) {
            int calls = Math.min(IDLE_BLOCK, config.stateN() - block * IDLE_BLOCK);
            for (Mode mode : Mode.rotate(config.modes(), block)) {
                Results.Series idle = bench.results().series(name(), "state_idle", "State over ttrpc, idle shim", mode.key, "ms");
                for (int i = 0; i < calls; i++) {
                    StateProbe.Call call = probes.get(mode).once();
                    if (call.ok()) {
                        idle.add(call.millis());
                    } else {
                        idle.fail("State on the anchor failed");
                    }
                }
            }
        }
    }

    /** One container's Create → Start → State → teardown through a shim we start ourselves; see the class comment. */
    private void cycle(Bench bench, Mode mode, int round, StateProbe probe) throws Exception {
        Config config = bench.config();
        Results results = bench.results();
        String ns = config.namespace();
        String id = "direct-" + mode.key + "-" + round + (probe == null ? "" : "-probed");
        String address = config.socket().toString();
        Path bundle = bench.bundles().write(config.dir().resolve("direct/" + id), ns, id, List.of("/bin/sleep", "600"));
        Path socket = ShimBinary.socketFor(address, ns, mode.socketGroup(id));
        bench.ledger().note("socket", socket.toString());
        Map<String, String> metadata = Map.of(StateProbe.NAMESPACE_HEADER, ns);
        LogFifo log = LogFifo.in(bundle);
        TtrpcClient client = null;
        boolean created = false;
        try {
            Cmd.Result started = new ShimBinary(config, mode).start(bundle, address, ns, id);
            if (!started.ok()) {
                results.series(name(), "create", "Create over ttrpc (runc create)", mode.key, "ms").fail(started.describe());
                return;
            }
            client = TtrpcClient.connect(started.output().trim());
            Timed<ConnectResponse> connect = call(client, "Connect", ConnectRequest.newBuilder().setId(id).build(),
                    ConnectResponse.parser(), metadata);
            if (probe != null) {
                probe.start();
            }
            CreateTaskRequest create = CreateTaskRequest.newBuilder().setId(id).setBundle(bundle.toString()).build();
            Timed<CreateTaskResponse> createCall = call(client, "Create", create, CreateTaskResponse.parser(), metadata);
            created = true;
            Timed<StartResponse> start = call(client, "Start", StartRequest.newBuilder().setId(id).build(),
                    StartResponse.parser(), metadata);
            Timed<StateResponse> state = call(client, "State", StateRequest.newBuilder().setId(id).build(),
                    StateResponse.parser(), metadata);
            if (probe == null) {
                results.series(name(), "connect", "first call after start (Connect)", mode.key, "ms").add(connect.millis());
                results.series(name(), "create", "Create over ttrpc (runc create)", mode.key, "ms").add(createCall.millis());
                results.series(name(), "task_start", "Start over ttrpc (runc start)", mode.key, "ms").add(start.millis());
                results.series(name(), "state_first", "first State of a new container", mode.key, "ms").add(state.millis());
            } else {
                List<StateProbe.Call> calls = probe.stop();
                Results.Series during = results.series(name(), "state_during_create",
                        "State over ttrpc while a runc create is in flight", mode.key, "ms");
                for (StateProbe.Call call : StateProbe.overlapping(calls, createCall.startNanos, createCall.endNanos)) {
                    if (call.ok()) {
                        during.add(call.millis());
                    } else {
                        during.fail("State on the anchor failed during a Create");
                    }
                }
            }
        } catch (Exception e) {
            results.series(name(), "create", "Create over ttrpc (runc create)", mode.key, "ms").fail(e.toString());
            bench.say("  " + mode.key + " cycle " + id + " failed: " + e);
        } finally {
            if (probe != null) {
                probe.stop();
            }
            tearDown(bench, mode, client, id, created, metadata);
            log.close();
            if (mode != Mode.SHARED) {
                Bench.removeSocket(socket);
            }
            Bench.removeTree(bundle);
        }
    }

    /** As containerd ends a task: Kill, Wait, Delete, then Shutdown (a per-pod shim exits; the shared one stays). */
    private void tearDown(Bench bench, Mode mode, TtrpcClient client, String id, boolean created, Map<String, String> metadata) {
        if (client != null) {
            try {
                if (created) {
                    call(client, "Kill", KillRequest.newBuilder().setId(id).setSignal(9).build(), Empty.parser(), metadata);
                    call(client, "Wait", WaitRequest.newBuilder().setId(id).build(), WaitResponse.parser(), metadata);
                    call(client, "Delete", DeleteRequest.newBuilder().setId(id).build(), DeleteResponse.parser(), metadata);
                }
                call(client, "Shutdown", ShutdownRequest.newBuilder().setId(id).build(), Empty.parser(), metadata);
            } catch (Exception e) {
                // a shim that exits on Shutdown may close the connection before it answers
            }
            client.close();
        }
        if (mode != Mode.SHARED) {
            Map<String, String> daemon = Map.of("-address", bench.config().socket().toString(), "-id", id);
            List<Long> left = Procs.awaitGone(Procs.withArguments(daemon), Duration.ofSeconds(10));
            if (!left.isEmpty()) {
                bench.results().errors.add(mode.key + " shim of " + id + " did not exit after Shutdown; killed " + left);
                Procs.kill(left, Duration.ofSeconds(5));
            }
        }
    }

    record Timed<T>(T response, long startNanos, long endNanos) {
        double millis() {
            return (endNanos - startNanos) / 1e6;
        }
    }

    private static <T extends MessageLite> Timed<T> call(TtrpcClient client, String method, MessageLite request,
            Parser<T> parser, Map<String, String> metadata) throws Exception {
        long start = System.nanoTime();
        T response = parser.parseFrom(client.call(SERVICE, method, request.toByteString(), CALL_TIMEOUT, metadata));
        return new Timed<>(response, start, System.nanoTime());
    }
}
