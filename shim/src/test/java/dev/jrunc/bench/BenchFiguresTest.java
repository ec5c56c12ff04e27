package dev.jrunc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's arithmetic and outputs, on made-up figures: percentiles, ratios, the targets' marks, and that
 * results.json reads back and results.svg is well-formed XML. No timing is measured or asserted here.
 */
class BenchFiguresTest {

    @TempDir
    Path tmp;

    @Test
    void percentilesInterpolateLikeNumpy() {
        Stats s = Stats.of(List.of(10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0));
        assertEquals(10, s.n());
        assertEquals(5.5, s.p50(), 1e-9);
        assertEquals(1.9, s.p10(), 1e-9);
        assertEquals(9.1, s.p90(), 1e-9);
        assertTrue(Double.isNaN(Stats.of(List.of()).p50()));
    }

    @Test
    void roundsRotateSoThatNoVariantIsAlwaysFirst() {
        assertEquals(List.of("b", "c", "a"), Mode.rotate(List.of("a", "b", "c"), 1));
        assertEquals(List.of("a", "b", "c"), Mode.rotate(List.of("a", "b", "c"), 3));
    }

    @Test
    void targetsPassFailOrSayNotMeasured() {
        Results r = sample();
        List<Targets.Target> targets = Targets.check(r);
        assertEquals(Boolean.TRUE, find(targets, "per-pod: ctr run --rm").pass(), "140 ms ≤ 2.0 × 100 ms");
        assertEquals(Boolean.FALSE, find(targets, "shared: ctr run --rm").pass(), "110 ms > 0.8 × 100 ms");
        assertEquals(Boolean.TRUE, find(targets, "per-pod: idle shim ≤ 40 MiB RSS").pass(), "39 MiB ≤ 40 MiB");
        // Taken at 10 containers (30 MiB a shim), not at the 1-container point (14 MiB, which would pass).
        assertEquals(Boolean.FALSE, find(targets, "per-pod: idle shim ≤ 15 MiB PSS").pass(), "30 MiB > 15 MiB");
        assertEquals(Boolean.FALSE, find(targets, "per-pod: idle shim ≤ 16 threads").pass(), "20 > 16");
        assertNull(find(targets, "per-pod: ctr run -d, many at once").pass(), "not measured");
        assertEquals(Boolean.FALSE, find(targets, "shared: total shim PSS at 10").pass(), "40 MiB > 1.0 × 35 MiB");
        assertNull(find(targets, "shared: total shim PSS at 50").pass(), "no 50-container point: not judged");
        assertNull(find(targets, "per-pod: State p50 ≤ 2 ms while").pass(), "not measured");
        assertEquals(1.4, r.ratioToGo(r.find(RunRmPhase.KEY, Mode.PER_POD.key).orElseThrow()), 1e-9);
    }

    @Test
    void theSummaryShowsEachModeBesideGoAndAboveTheFloor() {
        Results r = sample();
        add(r, Results.FLOOR, 60);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        new Summary(r).print(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.matches("(?s).*ctr run --rm /bin/true \\(ms\\) +100 +140 +1\\.40 +110 +1\\.10\n.*"), text);
        // 100 - 60 for Go, 140 - 60 per pod: twice the Go shim's cost above runc's own
        assertTrue(text.matches("(?s).*above runc run alone \\(ms\\) +40\\.0 +80\\.0 +2\\.00 +50\\.0 +1\\.25\n.*"), text);
        // per container at 10 containers: 390 MiB over 10 per-pod shims; the shared shim's 50 MiB over 10 containers
        assertTrue(text.matches("(?s).*RSS per container \\(MiB\\) +13\\.0 +39\\.0 +3\\.00 +5\\.00 +0\\.38\n.*"), text);
        // not measured in this run: a dash for each, no ratio
        assertTrue(text.matches("(?s).*many ctr run -d at once \\(ms\\) +- +- +- *\n.*"), text);
    }

    @Test
    void theJvmAloneIsShownBesideTheShimsButNotAsAMode() {
        Results r = sample();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        new Report(r, new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)).table(Targets.check(r));
        String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.matches("(?s).*\n  JVM alone +- +1 +33\\.0 +13\\.0 +7\\.0 +13 +0\\.1 .*"), text);
        // the per-pod idle figures are the shims', not the JVM alone's
        assertTrue(text.contains("RSS (at 10 containers)         39.0 MiB"), text);
    }

    @Test
    void savedResultsReadBackAndTheChartIsWellFormed() throws Exception {
        Results r = sample();
        r.info.put("cpu", "Test CPU <&> \"quoted\"");
        Path json = tmp.resolve("results.json");
        Files.writeString(json, JsonReport.write(r, Targets.check(r)));
        Results back = SavedRun.read(json);
        assertEquals(r.find(RunRmPhase.KEY, Mode.SHARED.key).orElseThrow().stats(),
                back.find(RunRmPhase.KEY, Mode.SHARED.key).orElseThrow().stats());
        assertEquals(r.memory, back.memory);
        assertEquals("Test CPU <&> \"quoted\"", back.info.get("cpu"));

        String svg = new SvgChart(back, Targets.check(back)).render();
        DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertTrue(svg.contains("Test CPU &lt;&amp;&gt;"));
        // the workbook's PDF renders SVG text with a Windows-1252 font: anything else comes out as a warning and a gap
        assertTrue(java.nio.charset.Charset.forName("windows-1252").newEncoder().canEncode(svg),
                () -> "characters outside Windows-1252: " + svg.codePoints().filter(c -> c > 255)
                        .mapToObj(Character::toString).distinct().toList());
        String csv = CsvReport.write(back, Targets.check(back));
        assertTrue(csv.contains("latency,run_rm,per-pod,,p50,140,ms"), csv);
        assertFalse(csv.contains("NaN"));
    }

    private static Results sample() {
        Results r = new Results();
        add(r, Mode.GO.key, 100);
        add(r, Mode.PER_POD.key, 140);
        add(r, Mode.SHARED.key, 110);
        r.memory.add(new Results.MemoryPoint(Mode.PER_POD.key, 1, 1, 39, 14, 12, 13, 39, 20, 0.5));
        r.memory.add(new Results.MemoryPoint(Mode.PER_POD.key, 10, 10, 390, 300, 280, 290, 39, 200, 5));
        r.memory.add(new Results.MemoryPoint(Mode.GO.key, 5, 5, 65, 20, 12, 13, 13, 60, 0.1));
        r.memory.add(new Results.MemoryPoint(Mode.GO.key, 10, 10, 130, 35, 24, 25, 13, 120, 0.2));
        r.memory.add(new Results.MemoryPoint(Mode.SHARED.key, 5, 1, 41, 31, 29, 30, 41, 25, 0.6));
        r.memory.add(new Results.MemoryPoint(Mode.SHARED.key, 10, 1, 50, 40, 30, 31, 50, 35, 0.8));
        r.memory.add(new Results.MemoryPoint(JvmFloor.KEY, 0, 1, 33, 13, 7, 7.5, 33, 13, 0.1));
        return r;
    }

    private static void add(Results r, String variant, double millis) {
        Results.Series s = r.series("run", RunRmPhase.KEY, "ctr run --rm /bin/true", variant, "ms");
        s.add(millis - 5);
        s.add(millis);
        s.add(millis + 5);
    }

    private static Targets.Target find(List<Targets.Target> targets, String prefix) {
        return targets.stream().filter(t -> t.text().startsWith(prefix)).findFirst().orElseThrow();
    }
}
