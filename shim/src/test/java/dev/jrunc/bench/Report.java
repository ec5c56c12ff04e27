package dev.jrunc.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The table on the terminal, and the order every output shows things in: operations from the user's view down to
 * single calls, variants Go first (the reference every ratio divides by), then ours, then the extras.
 */
final class Report {
    static final List<String> KEY_ORDER = List.of("run_rm", "start", "start_ready", "delete", "delete_crashed", "connect", "create",
            "task_start", "state_first", "state_idle", "state_during_create", "parallel");
    static final List<String> VARIANT_ORDER = List.of(Mode.GO.key, Mode.PER_POD.key, Mode.SHARED.key,
            Results.SHARED_WARM, Results.FLOOR);

    private final Results results;
    private final PrintStream out;

    Report(Results results, PrintStream out) {
        this.results = results;
        this.out = out;
    }

    static List<String> keys(Results results) {
        List<String> keys = new ArrayList<>(results.keys());
        keys.sort(Comparator.comparingInt(k -> KEY_ORDER.contains(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.size()));
        return keys;
    }

    static List<Results.Series> series(Results results, String key) {
        List<Results.Series> list = new ArrayList<>(results.ofKey(key));
        list.sort(Comparator.comparingInt(s -> VARIANT_ORDER.indexOf(s.variant)));
        return list;
    }

    void header() {
        Map<String, String> i = results.info;
        out.println("jrunc shim benchmark · " + i.get("date"));
        out.printf("machine   %s, %s cores, %s, Linux %s (%s)%n", i.get("cpu"), i.get("cores"), i.get("memory"),
                i.get("kernel"), i.get("os"));
        out.printf("versions  containerd %s, runc %s, Go shim %s, shim commit %s%s%n", i.get("containerd"), i.get("runc"),
                i.get("go shim"), i.get("shim commit"), i.containsKey("shim dir") ? ", launchers from " + i.get("shim dir") : "");
        out.printf("shim JVM  %s%n          %s%n", i.get("shim java"), i.get("shim jvm flags"));
        if (!results.load.isEmpty()) {
            out.println("load avg  " + String.join(" · ", results.load.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).toList()));
        }
        results.settings.forEach((k, v) -> out.printf("          %s: %s%n", k, v));
    }

    void table(List<Targets.Target> targets) {
        out.printf("%n%-44s %5s %9s %9s %9s %7s%n", "operation / shim", "n", "p50", "p10", "p90", "× Go");
        for (String key : keys(results)) {
            List<Results.Series> list = series(results, key);
            out.printf("%s (%s)%n", list.get(0).title, list.get(0).unit);
            for (Results.Series s : list) {
                Stats st = s.stats();
                double ratio = results.ratioToGo(s);
                out.printf("  %-42s %5d %9s %9s %9s %7s%s%n", Results.variantLabel(s.variant), st.n(), Format.number(st.p50()),
                        Format.number(st.p10()), Format.number(st.p90()), Double.isNaN(ratio) ? "" : String.format("%.2f", ratio),
                        s.failures == 0 ? "" : "  (" + s.failures + " failed: " + Format.shorten(s.firstFailure, 80) + ")");
            }
        }
        memory();
        new Summary(results).print(out);
        out.printf("%ntargets (ratios are medians of this run)%n");
        for (Targets.Target t : targets) {
            out.printf("  %s  %-58s %s%n", t.mark(), t.text(), t.measured());
        }
    }

    private void memory() {
        if (results.memory.isEmpty()) {
            return;
        }
        out.printf("%nmemory of all shim processes, with N busybox `sleep 600` containers running"
                + " (CPU s: what the running shims have used so far, start-up included)%n");
        out.printf("  %-14s %5s %6s %9s %9s %9s %10s %11s %8s %7s%n", "shim", "N", "shims", "RSS MiB", "PSS MiB", "PSS anon",
                "PSS/cont.", "+PSS/cont.", "threads", "CPU s");
        for (Mode mode : Mode.values()) {
            Results.MemoryPoint previous = null;
            for (Results.MemoryPoint m : results.memory) {
                if (!m.mode().equals(mode.key)) {
                    continue;
                }
                // The marginal cost: what each container added since the previous count (a shared shim's few objects,
                // or a whole process).
                String marginal = previous == null ? "" : String.format("%.2f",
                        (m.pssMiB() - previous.pssMiB()) / (m.containers() - previous.containers()));
                out.printf("  %-14s %5d %6d %9.1f %9.1f %9.1f %10.2f %11s %8d %7.1f%n", mode.label, m.containers(), m.shims(),
                        m.rssMiB(), m.pssMiB(), m.pssAnonMiB(), m.pssMiB() / m.containers(), marginal, m.threads(), m.cpuSeconds());
                previous = m;
            }
        }
        results.memory.stream().filter(m -> m.mode().equals(JvmFloor.KEY)).findFirst().ifPresent(m -> out.printf(
                "  %-14s %5s %6d %9.1f %9.1f %9.1f %10s %11s %8d %7.1f   (the shim's java and flags, no shim code)%n",
                JvmFloor.LABEL, "-", m.shims(), m.rssMiB(), m.pssMiB(), m.pssAnonMiB(), "", "", m.threads(), m.cpuSeconds()));
    }
}
