package dev.jrunc.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * results.svg, the chart the workbook's performance chapter includes: the machine and versions on top (figures mean
 * nothing without them), every timed operation as a row of bars (median, p10–p90 whisker, ratio to Go), memory as
 * two line charts against the number of containers, and the targets ({@link Targets}) with their marks. Plain SVG
 * written here, so the benchmark needs no plotting library and the picture renders in any browser and in AsciiDoc.
 */
final class SvgChart {
    private static final int WIDTH = 1000;
    private static final int PAD = 24;
    private static final int LABEL_WIDTH = 300;
    private static final int BAR_X = PAD + LABEL_WIDTH;
    private static final int BAR_MAX = 440;
    private static final int ROW = 18;
    private static final Map<String, String> COLORS = Map.of(
            Mode.GO.key, "#00acd7",
            Mode.PER_POD.key, "#e76f00",
            Mode.SHARED.key, "#7b3fa0",
            Results.SHARED_WARM, "#b98bd6",
            Results.FLOOR, "#8a8a8a");

    private final Results results;
    private final List<Targets.Target> targets;
    private final StringBuilder svg = new StringBuilder();
    private int y;

    SvgChart(Results results, List<Targets.Target> targets) {
        this.results = results;
        this.targets = targets;
    }

    String render() {
        y = 0;
        header();
        latencies();
        memory();
        targetList();
        y += 16;
        text(PAD, y, 10, "#888", "start", "./verify.sh bench · shim/scripts/bench.sh · shim/src/test/java/dev/jrunc/bench");
        y += 12;
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + y + "\" viewBox=\"0 0 "
                + WIDTH + " " + y + "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + svg + "</svg>\n";
    }

    private void header() {
        Map<String, String> i = results.info;
        y = 32;
        text(PAD, y, 19, "#111", "start bold", "jrunc (Java) vs containerd-shim-runc-v2 (Go): one run, side by side");
        y += 22;
        text(PAD, y, 12, "#333", "start", String.format("%s · %s, %s cores, %s RAM · Linux %s (%s)", i.get("date"),
                i.get("cpu"), i.get("cores"), i.get("memory"), i.get("kernel"), i.get("os")));
        y += 17;
        text(PAD, y, 12, "#333", "start", String.format("containerd %s · runc %s · Go shim %s · shim commit %s%s",
                i.get("containerd"), i.get("runc"), i.get("go shim"), i.get("shim commit"),
                i.containsKey("shim dir") ? " · launchers from " + i.get("shim dir") : ""));
        y += 17;
        text(PAD, y, 12, "#333", "start", "shim JVM: " + i.get("shim java"));
        y += 15;
        text(PAD, y, 10, "#666", "start", Format.shorten(i.get("shim jvm flags"), 170));
        List<String> load = results.load.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList();
        for (String line : wrap("load average (1/5/15 min) at ", load, 140)) {
            y += 17;
            text(PAD, y, 12, "#333", "start", line);
        }
        y += 17;
        text(PAD, y, 12, "#333", "start", "rounds alternate the shims (A B C, B C A, …) · " + results.settings.getOrDefault("duration", "")
                + " in all · samples per bar below");
        y += 22;
        int x = PAD;
        for (String variant : Report.VARIANT_ORDER) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
                    x, y - 10, COLORS.get(variant)));
            String label = Results.variantLabel(variant);
            text(x + 17, y, 12, "#222", "start", label);
            x += 30 + label.length() * 7;
        }
        y += 10;
    }

    private void latencies() {
        if (results.series.isEmpty()) {
            return;
        }
        y += 24;
        text(PAD, y, 15, "#111", "start bold", "Time per operation");
        text(PAD + 170, y, 11, "#555", "start",
                "bar: median · whisker: p10–p90 · each row on its own scale · (×) = median ÷ Go's median");
        y += 6;
        for (String key : Report.keys(results)) {
            List<Results.Series> list = Report.series(results, key);
            y += 20;
            int fewest = list.stream().mapToInt(s -> s.stats().n()).min().orElse(0);
            int most = list.stream().mapToInt(s -> s.stats().n()).max().orElse(0);
            text(PAD, y, 13, "#111", "start bold", list.get(0).title + "  (n = "
                    + (fewest == most ? fewest + " per bar)" : fewest + "–" + most + ")"));
            double scale = 0;
            for (Results.Series s : list) {
                Stats st = s.stats();
                scale = Math.max(scale, Double.isNaN(st.p90()) ? 0 : st.p90());
            }
            scale = scale <= 0 ? 1 : scale * 1.02;
            for (Results.Series s : list) {
                y += ROW;
                bar(s, scale);
            }
            y += 4;
        }
    }

    private void bar(Results.Series s, double scale) {
        Stats st = s.stats();
        text(PAD + 14, y, 12, "#222", "start", Results.variantLabel(s.variant));
        if (st.n() == 0) {
            text(BAR_X, y, 12, "#b00", "start", "no figure (" + s.failures + " failed)");
            return;
        }
        double w = st.p50() / scale * BAR_MAX;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>\n",
                BAR_X, y - 10, Math.max(w, 1), COLORS.get(s.variant)));
        double x10 = BAR_X + st.p10() / scale * BAR_MAX;
        double x90 = BAR_X + st.p90() / scale * BAR_MAX;
        int mid = y - 4;
        svg.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d H%.1f M%.1f %d V%d M%.1f %d V%d\" stroke=\"#222\" stroke-width=\"1\"/>\n",
                x10, mid, x90, x10, mid - 4, mid + 4, x90, mid - 4, mid + 4));
        double ratio = results.ratioToGo(s);
        String label = (s.unit.equals("ms") ? Format.duration(st.p50()) : Format.number(st.p50()) + " " + s.unit)
                + (Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "  (%.2f×)", ratio))
                + (s.failures == 0 ? "" : "  · " + s.failures + " failed");
        text((int) Math.max(x90, BAR_X + w) + 8, y, 12, "#222", "start", label);
    }

    private void memory() {
        if (results.memory.isEmpty()) {
            return;
        }
        y += 34;
        text(PAD, y, 15, "#111", "start bold", "Memory of all shim processes");
        y += 16;
        text(PAD, y, 11, "#555", "start", "with N busybox `sleep 600` containers running, one mode at a time · PSS counts a page "
                + "shared by k processes as 1/k in each, so the sum is what the shims cost together");
        y += 14;
        int top = y;
        int height = 220;
        lineChart(PAD + 40, top, 380, height, "total PSS (MiB)", true);
        lineChart(PAD + 40 + 480, top, 380, height, "total RSS (MiB)", false);
        y = top + height + 56;
        for (Mode mode : Mode.values()) {
            List<Results.MemoryPoint> points = results.memory.stream().filter(m -> m.mode().equals(mode.key)).toList();
            if (points.size() < 1) {
                continue;
            }
            Results.MemoryPoint first = points.get(0);
            Results.MemoryPoint last = points.get(points.size() - 1);
            String growth = points.size() < 2 ? "" : String.format(Locale.ROOT, " · each container from %d to %d adds %.2f MiB PSS",
                    first.containers(), last.containers(), (last.pssMiB() - first.pssMiB()) / (last.containers() - first.containers()));
            text(PAD + 14, y, 12, COLORS.get(mode.key), "start bold", mode.label);
            text(PAD + 130, y, 12, "#222", "start", String.format(Locale.ROOT,
                    "%d container(s): %d shim process(es), RSS %.1f MiB, PSS %.1f MiB%s", first.containers(), first.shims(),
                    first.rssMiB(), first.pssMiB(), growth));
            y += 17;
        }
        results.memory.stream().filter(m -> m.mode().equals(JvmFloor.KEY)).findFirst().ifPresent(m -> {
            text(PAD + 14, y, 12, "#444", "start bold", JvmFloor.LABEL);
            text(PAD + 130, y, 12, "#222", "start", String.format(Locale.ROOT,
                    "the shim's java and flags, no shim code: RSS %.1f MiB, PSS %.1f MiB, %d threads", m.rssMiB(), m.pssMiB(), m.threads()));
            y += 17;
        });
    }

    /** The shims' memory points (not the JVM alone, which has no containers to plot against). */
    private java.util.stream.Stream<Results.MemoryPoint> shimPoints() {
        return results.memory.stream().filter(m -> !m.mode().equals(JvmFloor.KEY));
    }

    private void lineChart(int x0, int top, int w, int h, String title, boolean pss) {
        int maxN = shimPoints().mapToInt(Results.MemoryPoint::containers).max().orElse(1);
        double maxV = shimPoints().mapToDouble(m -> pss ? m.pssMiB() : m.rssMiB()).max().orElse(1);
        double step = niceStep(maxV / 5);
        double yMax = Math.ceil(maxV * 1.05 / step) * step;
        int bottom = top + h;
        text(x0, top + 4, 12, "#111", "start bold", title);
        int plotTop = top + 16;
        for (double v = 0; v <= yMax + step / 2; v += step) {
            double py = bottom - v / yMax * (bottom - plotTop);
            svg.append(String.format(Locale.ROOT, "<path d=\"M%d %.1f H%d\" stroke=\"#e4e4e4\"/>\n", x0, py, x0 + w));
            text(x0 - 6, (int) py + 4, 10, "#666", "end", step >= 1 ? String.format("%.0f", v) : Format.number(v));
        }
        svg.append(String.format(Locale.ROOT, "<path d=\"M%d %d V%d H%d\" stroke=\"#444\" fill=\"none\"/>\n",
                x0, plotTop, bottom, x0 + w));
        shimPoints().mapToInt(Results.MemoryPoint::containers).distinct().sorted().forEach(n -> {
            double px = x0 + (double) n / maxN * w;
            svg.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d V%d\" stroke=\"#444\"/>\n", px, bottom, bottom + 4));
            text((int) px, bottom + 16, 10, "#444", "middle", Integer.toString(n));
        });
        text(x0 + w / 2, bottom + 32, 10, "#444", "middle", "running containers");
        for (Mode mode : Mode.values()) {
            List<Results.MemoryPoint> points = results.memory.stream().filter(m -> m.mode().equals(mode.key)).toList();
            if (points.isEmpty()) {
                continue;
            }
            StringBuilder d = new StringBuilder();
            for (Results.MemoryPoint p : points) {
                double px = x0 + (double) p.containers() / maxN * w;
                double py = bottom - (pss ? p.pssMiB() : p.rssMiB()) / yMax * (bottom - plotTop);
                d.append(d.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", px, py,
                        COLORS.get(mode.key)));
            }
            svg.append(String.format("<path d=\"%s\" stroke=\"%s\" stroke-width=\"2\" fill=\"none\"/>\n", d, COLORS.get(mode.key)));
        }
        endLabels(x0 + w + 6, plotTop, bottom, yMax, pss);
    }

    /** The last value of each line, right of the plot, nudged apart so that close lines keep readable labels. */
    private void endLabels(int x, int plotTop, int bottom, double yMax, boolean pss) {
        List<double[]> labels = new java.util.ArrayList<>();   // {y, mode ordinal, value}
        for (Mode mode : Mode.values()) {
            List<Results.MemoryPoint> points = results.memory.stream().filter(m -> m.mode().equals(mode.key)).toList();
            if (!points.isEmpty()) {
                double v = pss ? points.get(points.size() - 1).pssMiB() : points.get(points.size() - 1).rssMiB();
                labels.add(new double[] {bottom - v / yMax * (bottom - plotTop) + 4, mode.ordinal(), v});
            }
        }
        labels.sort(java.util.Comparator.comparingDouble(l -> -l[0]));   // bottom first
        double floor = bottom + 4;
        for (double[] l : labels) {
            l[0] = Math.min(l[0], floor);
            floor = l[0] - 12;
            text(x, (int) l[0], 11, COLORS.get(Mode.values()[(int) l[1]].key), "start", Format.number(l[2]));
        }
    }

    private void targetList() {
        y += 20;
        text(PAD, y, 15, "#111", "start bold", "Targets");
        text(PAD + 160, y, 11, "#555", "start", "ratios compare this run's medians; absolute limits hold for the machine above");
        for (Targets.Target t : targets) {
            y += 18;
            String color = t.pass() == null ? "#888" : t.pass() ? "#1a7f37" : "#cf222e";
            text(PAD + 14, y, 12, color, "start bold", t.pass() == null ? "n/a" : t.pass() ? "PASS" : "FAIL");
            text(PAD + 60, y, 12, "#222", "start", t.text());
            text(PAD + 500, y, 12, color, "start", t.measured());
        }
    }

    /** PREFIX and the ITEMS joined by " · ", broken into lines of at most about MAX characters. */
    static List<String> wrap(String prefix, List<String> items, int max) {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder(prefix);
        boolean first = true;
        for (String item : items) {
            if (!first && line.length() + 3 + item.length() > max) {
                lines.add(line.append(" ·").toString());
                line = new StringBuilder("    ");
                first = true;
            }
            line.append(first ? "" : " · ").append(item);
            first = false;
        }
        lines.add(line.toString());
        return lines;
    }

    /** 1, 2 or 5 times a power of ten: axis steps a reader can add up. */
    static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / power;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
    }

    private void text(int x, int baseline, int size, String color, String style, String content) {
        String anchor = style.startsWith("end") ? "end" : style.startsWith("middle") ? "middle" : "start";
        String weight = style.contains("bold") ? " font-weight=\"bold\"" : "";
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" fill=\"%s\" text-anchor=\"%s\"%s>%s</text>\n",
                x, baseline, size, color, anchor, weight, escape(content)));
    }

    /**
     * XML-escaped, and in characters every renderer's fonts have: the workbook's PDF falls back to a Windows-1252
     * font for SVG text, which has no ≤ (nor check marks: the targets say PASS and FAIL).
     */
    private static String escape(String s) {
        return s == null ? "" : s.replace("≤", "<=").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
