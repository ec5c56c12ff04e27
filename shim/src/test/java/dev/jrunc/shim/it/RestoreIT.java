package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import dev.jrunc.shim.json.Json;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * A task created from a checkpoint: containerd unpacks the checkpoint into a folder, passes it in Create, and the
 * shim runs {@code runc restore} at Start. Driven by {@code ctr containers restore --live}, for our shim and, side
 * by side, the Go shim.
 *
 * <p>Where CRIU works, a counter container is checkpointed and restored, and counts on (elsewhere that test is
 * skipped, with the reason). Wherever CRIU is installed, a second test builds a checkpoint image by hand — the
 * layout {@code ctr containers checkpoint} writes, with a CRIU folder CRIU cannot use — and proves the path into
 * CRIU: Create succeeds with no process (pid 0, CREATED), Start runs runc restore,
 * which runs CRIU, which fails; ctr reports it in the very words it prints for the Go shim
 * ({@code OCI runtime restore failed: criu failed: …}), the task stays CREATED, and deleting it leaves nothing.
 */
@WithPrivateContainerd
class RestoreIT {
    private static final String BUSYBOX = "localhost/jrunc/busybox:1.0";
    // containerd's names for the parts of a checkpoint image (images/mediatypes.go, container_restore_opts.go)
    private static final String CRIU_TAR = "application/vnd.containerd.container.criu.checkpoint.criu.tar";
    private static final String CHECKPOINT_CONFIG = "application/vnd.containerd.container.checkpoint.config.v1+proto";
    private static final String SPEC_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

    @Test
    void aTaskRestoredFromACheckpointCountsOn(Containerd containerd) throws Exception {
        Assumptions.assumeTrue(Criu.works(), () -> "skipped, because " + Criu.whyNot());
        importBusybox(containerd);
        restoresACounter(containerd);
    }

    @Test
    void aRestoreCriuRefusesFailsAsWithTheGoShim(Containerd containerd, @TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Criu.installed(), () -> "skipped, because " + Criu.whyNot());
        importBusybox(containerd);
        String ours = failedRestore(containerd, tmp, Containerd.JRUNC_RUNTIME, "restored-jrunc");
        String go = failedRestore(containerd, tmp, "io.containerd.runc.v2", "restored-go");   // the reference
        System.out.println("ctr containers restore --live, our shim: " + ours);
        System.out.println("ctr containers restore --live, Go shim:  " + go);
        assertEquals(normalized(go, "restored-go"), normalized(ours, "restored-jrunc"),
                "the same error as the Go shim's (CRIU's log in <bundle>/work, too)");
    }

    /** Restores through a hand-made checkpoint; returns ctr's error. */
    private static String failedRestore(Containerd containerd, Path tmp, String runtime, String id) throws Exception {
        String ref = "localhost/jrunc/checkpoint-" + id + ":1";
        Path archive = checkpointArchive(containerd, tmp.resolve(id), ref, runtime);
        containerd.ctr("images", "import", "--all-platforms", "--no-unpack", archive.toString()).assertOk();

        CtrResult restore = containerd.ctr(Duration.ofSeconds(60), "containers", "restore", "--live", id, ref);
        assertNotEquals(0, restore.exitCode(), "CRIU cannot restore here, so ctr must fail: " + restore);
        assertTrue(restore.stderr().contains("OCI runtime restore failed"), restore::toString);
        assertEquals("CREATED", Procs.taskStatus(containerd, id), "a failed restore leaves the task created");
        String pid = containerd.ctr("task", "ls").stdoutLines().stream().filter(l -> l.startsWith(id + " "))
                .map(l -> l.trim().split("\\s+")[1]).findFirst().orElseThrow();
        assertEquals("0", pid, "nothing runs before the restore: no pid");

        containerd.ctr("task", "rm", id).assertOk();
        containerd.ctr("container", "rm", id).assertOk();
        assertFalse(Files.exists(Path.of("/run/containerd/runc", containerd.namespace(), id)), "no runc state");
        Procs.await("containerd removed the bundle", () -> !Files.exists(containerd.bundle(id)));
        assertEquals(List.of(), kit.Leftovers.mountsUnder(containerd.stateDir()), "no mount left");
        containerd.ctr("images", "rm", ref).assertOk();
        return restore.stderr().trim();
    }

    /** ctr's error without the parts that differ per run: the container's id, containerd's temporary folder. */
    private static String normalized(String error, String id) {
        return error.replace(id, "<id>").replaceAll("ctrd-checkpoint[0-9]+", "ctrd-checkpoint…");
    }

    /** Where CRIU works: checkpoint a counter, restore it under another id, and see it count on. */
    private static void restoresACounter(Containerd containerd) throws Exception {
        containerd.ctr("run", "-d", "--runtime", Containerd.JRUNC_RUNTIME, BUSYBOX, "counter", "sh", "-c",
                "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done").assertOk();
        Procs.await("counter has counted to 2", () -> count(containerd, "counter") >= 2);
        containerd.ctr(Duration.ofSeconds(120), "containers", "checkpoint", "--task", "counter", "localhost/jrunc/counter-checkpoint:1").assertOk();
        containerd.ctr("task", "kill", "-s", "SIGKILL", "counter").assertOk();
        Procs.await("counter is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "counter")));
        containerd.ctr("task", "rm", "counter").assertOk();
        containerd.ctr("container", "rm", "counter").assertOk();

        containerd.ctr(Duration.ofSeconds(120), "containers", "restore", "--live", "counter-again", "localhost/jrunc/counter-checkpoint:1").assertOk();
        assertEquals("RUNNING", Procs.taskStatus(containerd, "counter-again"));
        int before = count(containerd, "counter-again");
        assertTrue(before >= 2, "the restored counter starts from where it was, not from 0: " + before);
        Procs.await("the restored counter counts on from " + before, () -> count(containerd, "counter-again") > before);
        containerd.ctr("task", "kill", "-s", "SIGKILL", "counter-again").assertOk();
        Procs.await("STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "counter-again")));
        containerd.ctr("task", "rm", "counter-again").assertOk();
        containerd.ctr("container", "rm", "counter-again").assertOk();
    }

    private static int reads;

    /** What the counter in container {@code id} has written so far (an exec of cat). */
    private static int count(Containerd containerd, String id) {
        String read = containerd.ctr("task", "exec", "--exec-id", "read" + (++reads), id, "cat", "/tmp/count").assertOk().stdout().trim();
        return read.isEmpty() ? 0 : Integer.parseInt(read);
    }

    private static void importBusybox(Containerd containerd) {
        String archive = Testkit.run(Duration.ofSeconds(120), Map.of(), "bash",
                Testkit.scriptsDir().resolve("build-images.sh").toString()).assertOk().stdout().trim();
        containerd.ctr(Duration.ofSeconds(60), "images", "import", archive).assertOk();
    }

    /**
     * An OCI archive holding one image, {@code ref}: an index as {@code ctr containers checkpoint --task} writes it
     * — the container's spec, the image and snapshotter it ran on, its runtime — whose CRIU part is a folder with
     * one file in it, not a CRIU image.
     */
    private static Path checkpointArchive(Containerd containerd, Path dir, String ref, String runtime) throws Exception {
        Path blobs = Files.createDirectories(dir.resolve("layout/blobs/sha256"));
        Path criuDir = Files.createDirectories(dir.resolve("criu"));
        // runc reads the checkpointed process's stdio from descriptors.json before it hands the folder to CRIU
        Files.writeString(criuDir.resolve("descriptors.json"), "[\"/dev/null\",\"/dev/null\",\"/dev/null\"]");
        Files.writeString(criuDir.resolve("README"), "not a CRIU image: CRIU cannot work on this machine\n");
        Path criuTar = dir.resolve("criu.tar");
        Testkit.run(Duration.ofSeconds(30), Map.of(), "tar", "-C", criuDir.toString(), "-cf", criuTar.toString(),
                "descriptors.json", "README").assertOk();
        String criu = blob(blobs, Files.readAllBytes(criuTar));

        // runc checks the spec before it calls CRIU: it needs a process to restore, as a real checkpoint's spec has
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = (Map<String, Object>) Json.parse(containerd.ctr("oci", "spec").assertOk().stdout());
        @SuppressWarnings("unchecked")
        Map<String, Object> process = (Map<String, Object>) parsed.get("process");
        process.put("args", List.of("sh", "-c", "sleep 600"));
        process.put("env", List.of(Containerd.PATH_ENV));
        String spec = Json.write(parsed);
        byte[] config = Any.newBuilder().setTypeUrl(SPEC_TYPE_URL).setValue(ByteString.copyFromUtf8(spec)).build().toByteArray();
        String configDigest = blob(blobs, config);

        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + descriptor(CRIU_TAR, criu, Files.size(criuTar)) + ","
                + descriptor(CHECKPOINT_CONFIG, configDigest, config.length) + "],"
                + "\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + BUSYBOX + "\","
                + "\"io.containerd.checkpoint.snapshotter\":\"overlayfs\","
                + "\"io.containerd.checkpoint.runtime\":\"" + runtime + "\"}}";
        byte[] indexBytes = index.getBytes(StandardCharsets.UTF_8);
        String indexDigest = blob(blobs, indexBytes);

        Path layout = dir.resolve("layout");
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:" + indexDigest + "\",\"size\":"
                + indexBytes.length + ",\"annotations\":{\"io.containerd.image.name\":\"" + ref + "\"}}]}");
        Path archive = dir.resolve("checkpoint.tar");
        Testkit.run(Duration.ofSeconds(30), Map.of(), "tar", "-C", layout.toString(), "-cf", archive.toString(),
                "oci-layout", "index.json", "blobs").assertOk();
        return archive;
    }

    private static String descriptor(String mediaType, String digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"sha256:" + digest + "\",\"size\":" + size + "}";
    }

    private static String blob(Path blobs, byte[] data) throws IOException, NoSuchAlgorithmException {
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        Files.write(blobs.resolve(digest), data);
        return digest;
    }
}
