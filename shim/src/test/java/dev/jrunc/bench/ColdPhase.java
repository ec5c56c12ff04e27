package dev.jrunc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.ttrpc.TtrpcClient;

/**
 * The {@code start} and {@code delete} subcommands alone, cold, exactly as containerd runs them (see ShimBinary).
 *
 * <ul>
 *   <li>start: every run uses an address of its own that nobody listens on (it only goes into the socket's hash),
 *       so each start finds no shim and has to spawn one — for the shared mode too. Timed until start exits (what
 *       containerd waits for), and until the new daemon answers its first ttrpc call (when containerd's Create can
 *       begin). The daemon is then killed by the pid its unique address finds, and its socket removed.</li>
 *   <li>the shared mode's second start, with that daemon up: the launcher's path that answers without a JVM.</li>
 *   <li>delete, container gone: a bundle whose container does not exist in runc. containerd runs {@code delete}
 *       like this whenever a shim's connection closes, also after every normal teardown. The bundle has an empty
 *       {@code runtime} file, as a created task's bundle does: the Go shim refuses to clean up without it.</li>
 *   <li>delete, shim died: the same, but runc still has the container ({@code runc create} of our own, under the
 *       runc root the shims use), as after a shim crash: now delete has real work, {@code runc delete --force}.</li>
 * </ul>
 */
final class ColdPhase implements Phase {
    @Override
    public String name() {
        return "cold";
    }

    @Override
    public void run(Bench bench) throws Exception {
        Config config = bench.config();
        for (int round = 0; round < config.coldN(); round++) {
            for (Mode mode : Mode.rotate(config.modes(), round)) {
                start(bench, mode, round);
                delete(bench, mode, round);
                deleteAfterCrash(bench, mode, round);
            }
            bench.progress(round + 1, config.coldN());
        }
    }

    private void start(Bench bench, Mode mode, int round) throws Exception {
        Config config = bench.config();
        String ns = config.namespace();
        String tag = mode.key + "-" + round;
        String address = config.dir().resolve("cold/" + tag + ".sock").toString();
        String id = "cold-" + round;
        Path bundle = bench.bundles().write(config.dir().resolve("cold/" + tag + "/" + id), ns, id, List.of("/bin/sleep", "600"));
        Path socket = ShimBinary.socketFor(address, ns, mode.socketGroup(id));
        bench.ledger().note("address", address);
        bench.ledger().note("socket", socket.toString());
        if (mode == Mode.SHARED) {
            bench.ledger().note("pidfile", ShimBinary.sharedPidFile(socket).toString());
        }
        Results results = bench.results();
        Results.Series start = results.series(name(), "start", "shim start alone (until start exits)", mode.key, "ms");
        Results.Series ready = results.series(name(), "start_ready", "shim start alone, until the new daemon answers", mode.key, "ms");
        ShimBinary shim = new ShimBinary(config, mode);
        LogFifo log = LogFifo.in(bundle);
        try {
            Cmd.Result r = shim.start(bundle, address, ns, id);
            if (!r.ok()) {
                start.fail(r.describe());
                bench.say("  start failed: " + r.describe());
                return;
            }
            start.add(r.millis());
            try (TtrpcClient client = TtrpcClient.connect(r.output().trim())) {
                client.call(TtrpcPhase.SERVICE, "Connect", ConnectRequest.newBuilder().setId(id).build(),
                        ConnectResponse.parser(), Duration.ofSeconds(30));
                ready.add((System.nanoTime() - r.startNanos()) / 1e6);
            } catch (Exception e) {
                ready.fail("no answer from " + r.output().trim() + ": " + e);
            }
            if (mode == Mode.SHARED) {
                secondStart(bench, shim, address, ns, tag, ShimBinary.sharedPidFile(socket), r.output().trim());
            }
        } finally {
            List<Long> left = Procs.kill(Procs.withArguments(Map.of("-address", address)), Duration.ofSeconds(10));
            if (!left.isEmpty()) {
                bench.results().errors.add("cold start: could not kill " + left);
            }
            log.close();
            Bench.removeSocket(socket);
            Files.deleteIfExists(ShimBinary.sharedPidFile(socket));
            Bench.removeTree(config.dir().resolve("cold/" + tag));
        }
    }

    /** The shared mode's common case: the namespace's shim runs, start only has to say where. */
    private void secondStart(Bench bench, ShimBinary shim, String address, String ns, String tag, Path pidFile,
            String firstAddress) throws Exception {
        Results.Series warm = bench.results().series(name(), "start", "shim start alone (until start exits)",
                Results.SHARED_WARM, "ms");
        // The daemon advertises itself once it serves; the launcher's fast path needs that file.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!Files.exists(pidFile) && System.nanoTime() < deadline) {
            Procs.sleep(10);
        }
        String id = "cold-warm";
        Path bundle = bench.bundles().write(bench.config().dir().resolve("cold/" + tag + "/" + id), ns, id,
                List.of("/bin/sleep", "600"));
        try (LogFifo log = LogFifo.in(bundle)) {
            Cmd.Result r = shim.start(bundle, address, ns, id);
            if (r.ok() && r.output().trim().equals(firstAddress)) {
                warm.add(r.millis());
            } else {
                warm.fail(r.ok() ? "a second start printed " + r.output().trim() + ", not " + firstAddress : r.describe());
            }
        }
    }

    private void delete(Bench bench, Mode mode, int round) throws Exception {
        Config config = bench.config();
        String tag = mode.key + "-" + round + "-delete";
        String id = "gone-" + round;
        Path bundle = bench.bundles().write(config.dir().resolve("cold/" + tag + "/" + id), config.namespace(), id,
                List.of("/bin/sleep", "600"));
        Files.writeString(bundle.resolve("runtime"), "");
        Results.Series delete = bench.results().series(name(), "delete", "shim delete alone (container gone in runc)", mode.key, "ms");
        try {
            Cmd.Result r = new ShimBinary(config, mode).delete(bundle, config.dir().resolve("cold/" + tag + ".sock").toString(),
                    config.namespace(), id);
            if (r.ok()) {
                delete.add(r.millis());
            } else {
                delete.fail(r.describe());
                bench.say("  delete failed: " + r.describe());
            }
        } finally {
            Bench.removeTree(config.dir().resolve("cold/" + tag));
        }
    }

    private void deleteAfterCrash(Bench bench, Mode mode, int round) throws Exception {
        Config config = bench.config();
        String ns = config.namespace();
        String tag = mode.key + "-" + round + "-crashed";
        String id = "crashed-" + mode.key + "-" + round;
        Path bundle = bench.bundles().write(config.dir().resolve("cold/" + tag + "/" + id), ns, id, List.of("/bin/sleep", "600"));
        Files.writeString(bundle.resolve("runtime"), "");
        // Both shims keep runc state in /run/containerd/runc/<namespace> unless told otherwise; the fixture's stop
        // removes any state there whose bundle lies in our folder.
        String root = "/run/containerd/runc/" + ns;
        Results.Series delete = bench.results().series(name(), "delete_crashed",
                "shim delete alone (shim died, container still in runc)", mode.key, "ms");
        try {
            Cmd.Result created = Cmd.run(List.of(Config.which("runc"), "--root", root, "create", "--bundle", bundle.toString(), id),
                    bundle, Map.of("PATH", Config.SYSTEM_PATH), Duration.ofSeconds(60));
            if (!created.ok()) {
                delete.fail("runc create for the test: " + created.describe());
                return;
            }
            Cmd.Result r = new ShimBinary(config, mode).delete(bundle, config.dir().resolve("cold/" + tag + ".sock").toString(), ns, id);
            if (!r.ok()) {
                delete.fail(r.describe());
                bench.say("  delete failed: " + r.describe());
            } else if (Files.exists(Path.of(root, id))) {
                delete.fail("delete exited 0 but runc still has " + id);
            } else {
                delete.add(r.millis());
            }
        } finally {
            if (Files.exists(Path.of(root, id))) {
                Cmd.run(List.of(Config.which("runc"), "--root", root, "delete", "--force", id), null,
                        Map.of("PATH", Config.SYSTEM_PATH), Duration.ofSeconds(30));
            }
            Bench.removeTree(config.dir().resolve("cold/" + tag));
        }
    }
}
