package dev.jrunc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.json.Json;

/**
 * Reads a results.json back (the samples are in it), so that the table and chart of a run can be drawn again later —
 * after a change to the chart, or on another machine from the figures of the quiet one — without measuring again.
 */
final class SavedRun {
    private SavedRun() {
    }

    @SuppressWarnings("unchecked")
    static Results read(Path file) throws IOException {
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(file));
        Results results = new Results();
        copy((Map<String, Object>) root.get("info"), results.info);
        copy((Map<String, Object>) root.get("settings"), results.settings);
        copy((Map<String, Object>) root.get("load_average"), results.load);
        for (Object o : (List<Object>) root.get("series")) {
            Map<String, Object> s = (Map<String, Object>) o;
            Results.Series series = results.series((String) s.get("phase"), (String) s.get("key"), (String) s.get("title"),
                    (String) s.get("variant"), (String) s.get("unit"));
            for (Object v : (List<Object>) s.get("samples")) {
                series.add(((Number) v).doubleValue());
            }
            series.failures = ((Number) s.get("failures")).intValue();
            series.firstFailure = (String) s.get("first_failure");
        }
        for (Object o : (List<Object>) root.get("memory")) {
            Map<String, Object> m = (Map<String, Object>) o;
            results.memory.add(new Results.MemoryPoint((String) m.get("mode"), number(m, "containers").intValue(),
                    number(m, "shim_processes").intValue(), number(m, "rss_mib").doubleValue(), number(m, "pss_mib").doubleValue(),
                    number(m, "pss_anon_mib").doubleValue(), number(m, "private_mib").doubleValue(),
                    number(m, "largest_shim_rss_mib").doubleValue(), number(m, "threads").intValue(),
                    number(m, "cpu_seconds").doubleValue()));
        }
        for (Object e : (List<Object>) root.get("errors")) {
            results.errors.add((String) e);
        }
        return results;
    }

    private static Number number(Map<String, Object> map, String key) {
        Object v = map.get(key);
        return v instanceof Number n ? n : Double.NaN;
    }

    private static void copy(Map<String, Object> from, Map<String, String> to) {
        if (from != null) {
            from.forEach((k, v) -> to.put(k, String.valueOf(v)));
        }
    }
}
