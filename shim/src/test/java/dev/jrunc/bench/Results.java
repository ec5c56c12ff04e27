package dev.jrunc.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one run measured, in the order it was measured. A {@link Series} is one operation timed for one
 * variant (a mode, or the runc floor); a {@link MemoryPoint} is all shims of one mode at one container count.
 * Phases add to it; the reports only read it.
 */
final class Results {

    /** The variants a series can belong to, beyond the three modes. */
    static final String FLOOR = "floor";
    static final String SHARED_WARM = "shared-warm";

    /** One operation (key, e.g. "run_rm"), one variant (e.g. "per-pod"), its samples in the unit given. */
    static final class Series {
        final String phase;
        final String key;
        final String title;
        final String variant;
        final String unit;
        final List<Double> samples = Collections.synchronizedList(new ArrayList<>());
        int failures;
        String firstFailure;

        Series(String phase, String key, String title, String variant, String unit) {
            this.phase = phase;
            this.key = key;
            this.title = title;
            this.variant = variant;
            this.unit = unit;
        }

        void add(double value) {
            samples.add(value);
        }

        synchronized void fail(String why) {
            failures++;
            if (firstFailure == null) {
                firstFailure = why;
            }
        }

        Stats stats() {
            synchronized (samples) {
                return Stats.of(new ArrayList<>(samples));
            }
        }
    }

    record MemoryPoint(String mode, int containers, int shims, double rssMiB, double pssMiB, double pssAnonMiB,
            double privateMiB, double maxShimRssMiB, int threads, double cpuSeconds) {
    }

    /** Machine and versions, in the order they are printed. */
    final Map<String, String> info = new LinkedHashMap<>();
    /** Load average (1, 5, 15 min) when each phase began and when the run ended. */
    final Map<String, String> load = new LinkedHashMap<>();
    final Map<String, String> settings = new LinkedHashMap<>();
    final List<Series> series = new ArrayList<>();
    final List<MemoryPoint> memory = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    /** The series for this operation and variant, made on first use (so the output order is measuring order). */
    synchronized Series series(String phase, String key, String title, String variant, String unit) {
        return find(key, variant).orElseGet(() -> {
            Series s = new Series(phase, key, title, variant, unit);
            series.add(s);
            return s;
        });
    }

    synchronized Optional<Series> find(String key, String variant) {
        return series.stream().filter(s -> s.key.equals(key) && s.variant.equals(variant)).findFirst();
    }

    /** Operations in measuring order, each once. */
    synchronized List<String> keys() {
        return series.stream().map(s -> s.key).distinct().toList();
    }

    synchronized List<Series> ofKey(String key) {
        return series.stream().filter(s -> s.key.equals(key)).toList();
    }

    /** The median of this variant over the Go shim's median for the same operation; NaN if either is missing. */
    double ratioToGo(Series s) {
        if (s.variant.equals(Mode.GO.key)) {
            return Double.NaN;
        }
        return find(s.key, Mode.GO.key).map(go -> s.stats().p50() / go.stats().p50()).orElse(Double.NaN);
    }

    synchronized Optional<MemoryPoint> memoryAt(String mode, int containers) {
        return memory.stream().filter(m -> m.mode().equals(mode) && m.containers() == containers).findFirst();
    }

    static String variantLabel(String variant) {
        return switch (variant) {
            case FLOOR -> "floor: runc run";
            case SHARED_WARM -> "jrunc shared, shim up";
            default -> Mode.byKey(variant).label;
        };
    }
}
