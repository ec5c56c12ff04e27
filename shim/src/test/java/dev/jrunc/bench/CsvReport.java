package dev.jrunc.bench;

import java.util.List;
import java.util.Map;

/**
 * results.csv in long form, one figure per row ({@code section,metric,variant,containers,statistic,value,unit}), so
 * every kind of figure fits the same seven columns and a spreadsheet pivot gives any wide table. Lines starting with
 * '#' name the machine and versions first (pandas: {@code read_csv(..., comment='#')}).
 */
final class CsvReport {
    private final StringBuilder csv = new StringBuilder();

    private CsvReport() {
    }

    static String write(Results results, List<Targets.Target> targets) {
        CsvReport w = new CsvReport();
        for (Map<String, String> map : List.of(results.info, results.settings)) {
            map.forEach((k, v) -> w.csv.append("# ").append(k).append(": ").append(v).append('\n'));
        }
        results.load.forEach((k, v) -> w.csv.append("# load average at ").append(k).append(": ").append(v).append('\n'));
        w.csv.append("section,metric,variant,containers,statistic,value,unit\n");
        for (String key : Report.keys(results)) {
            for (Results.Series s : Report.series(results, key)) {
                Stats st = s.stats();
                w.row("latency", key, s.variant, "", "n", st.n(), "count");
                w.row("latency", key, s.variant, "", "failures", s.failures, "count");
                w.row("latency", key, s.variant, "", "p10", st.p10(), s.unit);
                w.row("latency", key, s.variant, "", "p50", st.p50(), s.unit);
                w.row("latency", key, s.variant, "", "p90", st.p90(), s.unit);
                w.row("latency", key, s.variant, "", "min", st.min(), s.unit);
                w.row("latency", key, s.variant, "", "max", st.max(), s.unit);
                w.row("latency", key, s.variant, "", "mean", st.mean(), s.unit);
                w.row("latency", key, s.variant, "", "ratio_to_go_p50", results.ratioToGo(s), "ratio");
            }
        }
        for (Results.MemoryPoint m : results.memory) {
            String n = Integer.toString(m.containers());
            w.row("memory", "shim_processes", m.mode(), n, "value", m.shims(), "count");
            w.row("memory", "rss_total", m.mode(), n, "value", m.rssMiB(), "MiB");
            w.row("memory", "pss_total", m.mode(), n, "value", m.pssMiB(), "MiB");
            w.row("memory", "pss_anon_total", m.mode(), n, "value", m.pssAnonMiB(), "MiB");
            w.row("memory", "private_total", m.mode(), n, "value", m.privateMiB(), "MiB");
            w.row("memory", "largest_shim_rss", m.mode(), n, "value", m.maxShimRssMiB(), "MiB");
            w.row("memory", "threads", m.mode(), n, "value", m.threads(), "count");
            w.row("memory", "cpu_seconds", m.mode(), n, "value", m.cpuSeconds(), "s");
        }
        for (Targets.Target t : targets) {
            w.csv.append("target,").append(quote(t.text())).append(",,,")
                    .append(t.pass() == null ? "n/a" : t.pass() ? "pass" : "fail").append(',')
                    .append(quote(t.measured())).append(",\n");
        }
        return w.csv.toString();
    }

    private void row(String section, String metric, String variant, String containers, String statistic, double value, String unit) {
        csv.append(section).append(',').append(metric).append(',').append(variant).append(',').append(containers).append(',')
                .append(statistic).append(',').append(Double.isNaN(value) ? "" : JsonReport.number(value)).append(',')
                .append(unit).append('\n');
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
