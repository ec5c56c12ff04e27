package dev.jrunc.cri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shim/scripts/build-images.sh}: the OCI archive that stands in for a registry. (That containerd accepts it
 * and CRI runs pods from it is shown by the CRI tests, which import it through the fixture.)
 */
class BuildImagesIT {

    private static CtrResult build(Path out) {
        return Testkit.run(Duration.ofSeconds(120), Map.of(), "bash",
                Testkit.scriptsDir().resolve("build-images.sh").toString(), out.toString());
    }

    private static String entry(Path tar, String name) {
        return Testkit.run(Duration.ofSeconds(30), Map.of(), "tar", "-xOf", tar.toString(), name).assertOk().stdout();
    }

    @Test
    void twoBuildsAreByteForByteTheSameAndNameBothImages(@TempDir Path tmp) throws Exception {
        Path first = tmp.resolve("a/images.tar");
        Path second = tmp.resolve("b/images.tar");

        CtrResult a = build(first);
        CtrResult b = build(second);

        assertEquals(0, a.exitCode(), a::toString);
        assertEquals(0, b.exitCode(), b::toString);
        assertEquals(first.toString(), a.stdout().strip(), "prints the archive's path");
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second), "the build is not reproducible");
        String index = entry(first, "index.json");
        assertTrue(index.contains("\"io.containerd.image.name\":\"localhost/jrunc/pause:1.0\""), index);
        assertTrue(index.contains("\"io.containerd.image.name\":\"localhost/jrunc/busybox:1.0\""), index);
        assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", entry(first, "oci-layout"));
    }

    @Test
    void everyBlobIsNamedByItsDigestAndTheLayerHasPauseAndBusybox(@TempDir Path tmp) throws Exception {
        Path archive = tmp.resolve("images.tar");
        build(archive).assertOk();
        Path unpacked = Files.createDirectories(tmp.resolve("x"));
        Testkit.run(Duration.ofSeconds(30), Map.of(), "tar", "-xf", archive.toString(), "-C", unpacked.toString()).assertOk();

        List<Path> blobs;
        try (var list = Files.list(unpacked.resolve("blobs/sha256"))) {
            blobs = list.toList();
        }
        assertEquals(5, blobs.size(), "one layer, two configs, two manifests: " + blobs);
        Path layer = null;
        for (Path blob : blobs) {
            String digest = Testkit.run(Duration.ofSeconds(30), Map.of(), "sha256sum", blob.toString()).assertOk()
                    .stdout().split(" ")[0];
            assertEquals(blob.getFileName().toString(), digest, "blob named after its content");
            if (Files.size(blob) > 100_000) {
                layer = blob;
            }
        }
        assertTrue(layer != null, "no layer among " + blobs);
        String listing = Testkit.run(Duration.ofSeconds(30), Map.of(), "tar", "-tvf", layer.toString()).assertOk().stdout();
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("-rwxr-xr-x 0/0") && l.endsWith(" ./pause")), listing);
        assertTrue(listing.lines().anyMatch(l -> l.endsWith(" ./bin/busybox")), listing);
        assertTrue(listing.lines().anyMatch(l -> l.endsWith(" ./bin/sh -> busybox")), listing);
    }
}
