package dev.jrunc.bench;

import java.util.List;

/**
 * Order statistics of one set of samples. Medians and the p10–p90 band rather than means: on a shared machine a
 * few runs are always slowed by someone else, and those should widen the band, not move the centre.
 */
record Stats(int n, double p10, double p50, double p90, double min, double max, double mean) {

    static Stats of(List<Double> samples) {
        if (samples.isEmpty()) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double sum = 0;
        for (double v : sorted) {
            sum += v;
        }
        return new Stats(sorted.length, percentile(sorted, 10), percentile(sorted, 50), percentile(sorted, 90),
                sorted[0], sorted[sorted.length - 1], sum / sorted.length);
    }

    /** Linear interpolation between the closest ranks (what numpy and most spreadsheets do by default). */
    static double percentile(double[] sorted, double p) {
        double rank = p / 100.0 * (sorted.length - 1);
        int below = (int) Math.floor(rank);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
