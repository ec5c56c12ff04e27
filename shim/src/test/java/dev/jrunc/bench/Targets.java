package dev.jrunc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The performance targets (the workbook's chapter "What a JVM shim costs" explains where they stand), checked
 * against one run's figures. Ratios compare medians from the same run (so machine speed cancels); absolute limits
 * (40 MiB, 1 s, 2 ms) hold only for the machine named with them. A target whose figure this run did not measure is
 * reported as not measured, never as passed.
 */
final class Targets {
    private static final int PSS_TARGET_CONTAINERS = 50;

    /** pass is null when the run has no figure for it. */
    record Target(String text, String measured, Boolean pass) {
        String mark() {
            return pass == null ? "n/a " : pass ? "PASS" : "FAIL";
        }
    }

    private Targets() {
    }

    static List<Target> check(Results r) {
        List<Target> targets = new ArrayList<>();
        targets.add(ratio(r, RunRmPhase.KEY, Mode.PER_POD, 2.0, "per-pod: ctr run --rm ≤ 2.0 × Go"));
        targets.add(ratio(r, ParallelPhase.KEY, Mode.PER_POD, 3.0, "per-pod: ctr run -d, many at once, ≤ 3.0 × Go"));
        targets.add(idlePerPod(r, "RSS", 40, "MiB", p -> p.rssMiB() / p.shims()));
        targets.add(idlePerPod(r, "PSS", 15, "MiB", p -> p.pssMiB() / p.shims()));
        targets.add(idlePerPod(r, "threads", 16, "", p -> (double) p.threads() / p.shims()));
        targets.add(ratio(r, RunRmPhase.KEY, Mode.SHARED, 0.8, "shared: ctr run --rm ≤ 0.8 × Go"));
        targets.add(sharedPss(r, 10, 1.0));
        targets.add(sharedPss(r, PSS_TARGET_CONTAINERS, 0.4));
        for (Mode mode : List.of(Mode.PER_POD, Mode.SHARED)) {
            targets.add(limit(r, "delete", mode, 1000, "ms", mode.key + ": delete cold ≤ 1 s (container gone)"));
            targets.add(limit(r, "delete_crashed", mode, 1000, "ms", mode.key + ": delete cold ≤ 1 s (shim died)"));
        }
        for (Mode mode : List.of(Mode.PER_POD, Mode.SHARED)) {
            targets.add(limit(r, "state_idle", mode, 2, "ms", mode.key + ": State p50 ≤ 2 ms"));
            targets.add(limit(r, "state_during_create", mode, 2, "ms", mode.key + ": State p50 ≤ 2 ms while a runc create is in flight"));
        }
        return targets;
    }

    private static Target ratio(Results r, String key, Mode mode, double limit, String text) {
        Optional<Results.Series> s = r.find(key, mode.key);
        if (s.isEmpty() || s.get().samples.isEmpty()) {
            return new Target(text, "not measured", null);
        }
        double ratio = r.ratioToGo(s.get());
        if (Double.isNaN(ratio)) {
            return new Target(text, "no Go figure to compare with", null);
        }
        return new Target(text, String.format("%.2f × (%.0f ms vs %.0f ms)", ratio, s.get().stats().p50(),
                r.find(key, Mode.GO.key).get().stats().p50()), ratio <= limit);
    }

    private static Target limit(Results r, String key, Mode mode, double limit, String unit, String text) {
        Optional<Results.Series> s = r.find(key, mode.key);
        if (s.isEmpty() || s.get().samples.isEmpty()) {
            return new Target(text, "not measured", null);
        }
        double p50 = s.get().stats().p50();
        return new Target(text, String.format(p50 < 10 ? "p50 %.2f %s" : "p50 %.0f %s", p50, unit), p50 <= limit);
    }

    /**
     * An idle per-pod shim's share of a measure: all per-pod shims at {@link Summary#IDLE_POINT} containers (one
     * shim each), divided by their number. With several shims the pages they share count once in PSS, as on a node.
     */
    private static Target idlePerPod(Results r, String what, double limit, String unit,
            java.util.function.ToDoubleFunction<Results.MemoryPoint> perShim) {
        String text = String.format("per-pod: idle shim ≤ %.0f%s %s (at %d containers)", limit, unit.isEmpty() ? "" : " " + unit,
                what, Summary.IDLE_POINT);
        Optional<Results.MemoryPoint> point = r.memoryAt(Mode.PER_POD.key, Summary.IDLE_POINT);
        if (point.isEmpty() || point.get().shims() < 1) {
            return new Target(text, "not measured (no " + Summary.IDLE_POINT + "-container point)", null);
        }
        double value = perShim.applyAsDouble(point.get());
        return new Target(text, String.format("%.1f%s", value, unit.isEmpty() ? "" : " " + unit), value <= limit);
    }

    /** Total PSS of the shared mode's shims at this many containers against the Go shims' (not judged if not run). */
    private static Target sharedPss(Results r, int containers, double limit) {
        String text = String.format("shared: total shim PSS at %d containers ≤ %.1f × Go", containers, limit);
        Optional<Results.MemoryPoint> shared = r.memoryAt(Mode.SHARED.key, containers);
        Optional<Results.MemoryPoint> go = r.memoryAt(Mode.GO.key, containers);
        if (shared.isEmpty() || go.isEmpty()) {
            return new Target(text, "not measured", null);
        }
        double ratio = shared.get().pssMiB() / go.get().pssMiB();
        return new Target(text, String.format("%.2f × (%.1f MiB vs %.1f MiB)", ratio, shared.get().pssMiB(), go.get().pssMiB()),
                ratio <= limit);
    }
}
