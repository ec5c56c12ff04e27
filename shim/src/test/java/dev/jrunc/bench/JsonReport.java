package dev.jrunc.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * results.json: everything the run measured, raw samples included, for whoever wants to recompute or plot it
 * differently. Written by hand (a few dozen lines), because the shim's classpath has no JSON library and the
 * benchmark should not bring one.
 */
final class JsonReport {
    private final StringBuilder json = new StringBuilder();

    private JsonReport() {
    }

    static String write(Results results, List<Targets.Target> targets) {
        JsonReport w = new JsonReport();
        w.json.append("{\n");
        w.json.append("  \"benchmark\": \"jrunc shim vs containerd-shim-runc-v2\",\n");
        w.map("info", results.info);
        w.map("settings", results.settings);
        w.map("load_average", results.load);
        w.series(results);
        w.memory(results);
        w.targets(targets);
        w.strings("errors", results.errors, true);
        w.json.append("}\n");
        return w.json.toString();
    }

    private void map(String name, Map<String, String> map) {
        json.append("  ").append(string(name)).append(": {");
        String sep = "\n";
        for (Map.Entry<String, String> e : map.entrySet()) {
            json.append(sep).append("    ").append(string(e.getKey())).append(": ").append(string(e.getValue()));
            sep = ",\n";
        }
        json.append("\n  },\n");
    }

    private void series(Results results) {
        json.append("  \"series\": [");
        String sep = "\n";
        for (String key : Report.keys(results)) {
            for (Results.Series s : Report.series(results, key)) {
                Stats st = s.stats();
                json.append(sep).append("    {")
                        .append("\"phase\": ").append(string(s.phase))
                        .append(", \"key\": ").append(string(s.key))
                        .append(", \"title\": ").append(string(s.title))
                        .append(", \"variant\": ").append(string(s.variant))
                        .append(", \"label\": ").append(string(Results.variantLabel(s.variant)))
                        .append(", \"unit\": ").append(string(s.unit))
                        .append(", \"n\": ").append(st.n())
                        .append(", \"failures\": ").append(s.failures)
                        .append(", \"first_failure\": ").append(s.firstFailure == null ? "null" : string(s.firstFailure))
                        .append(", \"p10\": ").append(number(st.p10()))
                        .append(", \"p50\": ").append(number(st.p50()))
                        .append(", \"p90\": ").append(number(st.p90()))
                        .append(", \"min\": ").append(number(st.min()))
                        .append(", \"max\": ").append(number(st.max()))
                        .append(", \"mean\": ").append(number(st.mean()))
                        .append(", \"ratio_to_go\": ").append(number(results.ratioToGo(s)))
                        .append(", \"samples\": [");
                synchronized (s.samples) {
                    for (int i = 0; i < s.samples.size(); i++) {
                        json.append(i == 0 ? "" : ", ").append(number(s.samples.get(i)));
                    }
                }
                json.append("]}");
                sep = ",\n";
            }
        }
        json.append("\n  ],\n");
    }

    private void memory(Results results) {
        json.append("  \"memory\": [");
        String sep = "\n";
        for (Results.MemoryPoint m : results.memory) {
            json.append(sep).append("    {")
                    .append("\"mode\": ").append(string(m.mode()))
                    .append(", \"containers\": ").append(m.containers())
                    .append(", \"shim_processes\": ").append(m.shims())
                    .append(", \"rss_mib\": ").append(number(m.rssMiB()))
                    .append(", \"pss_mib\": ").append(number(m.pssMiB()))
                    .append(", \"pss_anon_mib\": ").append(number(m.pssAnonMiB()))
                    .append(", \"private_mib\": ").append(number(m.privateMiB()))
                    .append(", \"largest_shim_rss_mib\": ").append(number(m.maxShimRssMiB()))
                    .append(", \"threads\": ").append(m.threads())
                    .append(", \"cpu_seconds\": ").append(number(m.cpuSeconds()))
                    .append("}");
            sep = ",\n";
        }
        json.append("\n  ],\n");
    }

    private void targets(List<Targets.Target> targets) {
        json.append("  \"targets\": [");
        String sep = "\n";
        for (Targets.Target t : targets) {
            json.append(sep).append("    {\"target\": ").append(string(t.text()))
                    .append(", \"measured\": ").append(string(t.measured()))
                    .append(", \"pass\": ").append(t.pass() == null ? "null" : t.pass().toString()).append("}");
            sep = ",\n";
        }
        json.append("\n  ],\n");
    }

    private void strings(String name, List<String> values, boolean last) {
        json.append("  ").append(string(name)).append(": [");
        for (int i = 0; i < values.size(); i++) {
            json.append(i == 0 ? "" : ", ").append(string(values.get(i)));
        }
        json.append("]").append(last ? "\n" : ",\n");
    }

    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
