package dev.jrunc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ctr run --rm … /bin/true}, the whole life of a container as a user sees it: shim start, Create, Start,
 * Wait, Delete, shim shutdown. Next to it the floor, {@code runc run} of the same bundle with no containerd and no
 * shim: what is left once every shim cost is gone.
 *
 * <p>Rounds alternate the variants (A B C D, then B C D A, …) so that a slow minute on a shared machine slows every
 * variant alike instead of one. One unrecorded warm-up run per variant first: page cache, and the shared mode's
 * namespace shim, which then stays up as it does in use.
 */
final class RunRmPhase implements Phase {
    static final String KEY = "run_rm";
    private static final String TITLE = "ctr run --rm /bin/true";

    @Override
    public String name() {
        return "run";
    }

    @Override
    public void run(Bench bench) throws IOException {
        Config config = bench.config();
        List<String> variants = new ArrayList<>(config.modes().stream().map(m -> m.key).toList());
        variants.add(Results.FLOOR);
        Path floorBundle = bench.bundles().write(config.dir().resolve("floor"), config.namespace(), "bench-floor",
                List.of("/bin/true"));
        Path floorRoot = config.dir().resolve("runc-floor");
        bench.ledger().note("runc", floorRoot + " bench-floor");

        bench.say("warm-up: one unrecorded run per variant");
        for (String variant : variants) {
            once(bench, variant, "warm", floorBundle, floorRoot, null);
        }
        for (int round = 0; round < config.runN(); round++) {
            for (String variant : Mode.rotate(variants, round)) {
                Results.Series series = bench.results().series(name(), KEY, TITLE, variant, "ms");
                once(bench, variant, Integer.toString(round), floorBundle, floorRoot, series);
            }
            bench.progress(round + 1, config.runN());
        }
    }

    private void once(Bench bench, String variant, String round, Path floorBundle, Path floorRoot, Results.Series series) {
        Config config = bench.config();
        String ns = config.namespace();
        List<String> command;
        Path cwd = null;
        String id;
        if (variant.equals(Results.FLOOR)) {
            id = "bench-floor";
            removeFloorLeftover(floorRoot, id);
            command = List.of(Config.which("runc"), "--root", floorRoot.toString(), "run", "--bundle", floorBundle.toString(), id);
            cwd = floorBundle;
        } else {
            id = "rm-" + variant + "-" + round;
            command = bench.ctr().runRm(ns, Mode.byKey(variant), id, "/bin/true");
        }
        Cmd.Result r = Cmd.run(command, cwd, Map.of("PATH", Config.SYSTEM_PATH), Ctr.TIMEOUT);
        if (series == null) {
            if (!r.ok()) {
                throw new IllegalStateException("warm-up failed: " + r.describe());
            }
        } else if (r.ok()) {
            series.add(r.millis());
        } else {
            series.fail(r.describe());
            bench.say("  failed: " + r.describe());
        }
        if (!r.ok() && !variant.equals(Results.FLOOR)) {
            bench.ctr().remove(ns, List.of(id));
        }
    }

    /** runc run removes its container when the process exits; after a failure it may not have. */
    private static void removeFloorLeftover(Path root, String id) {
        if (Files.exists(root.resolve(id))) {
            Cmd.run(List.of(Config.which("runc"), "--root", root.toString(), "delete", "--force", id), null,
                    Map.of("PATH", Config.SYSTEM_PATH), Duration.ofSeconds(30));
        }
    }
}
