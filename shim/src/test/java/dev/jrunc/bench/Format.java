package dev.jrunc.bench;

import java.util.Locale;

/** Numbers as people read them: three significant figures or so, never "1234.5678 ms". Always a '.' decimal point. */
final class Format {
    private Format() {
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        String pattern = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }

    /** A duration in ms as the chart labels it: "0.412 ms", "87.5 ms", "1.23 s". */
    static String duration(double millis) {
        return millis >= 1000 ? number(millis / 1000) + " s" : number(millis) + " ms";
    }

    static String shorten(String text, int max) {
        if (text == null) {
            return "";
        }
        String one = text.replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 1) + "…";
    }
}
