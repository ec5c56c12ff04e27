package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.proto.runc.Options;
import dev.jrunc.shim.proto.types.RuntimeInfo;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * {@code -info}, which containerd 2.x runs before a Create (2.2+: before the first Create of every runtime not
 * named runc; 2.0+: whenever a container has idmapped mounts) and for {@code ctr plugins inspect-runtime}: a
 * protobuf {@code containerd.types.RuntimeInfo} on stdout, compared with the Go shim's where the line under test
 * has one that knows {@code -info} (2.x); on 1.6 and 1.7 the Go shim has no {@code -info}, so the reference is
 * {@code runc features} itself. And the command lines that are neither containerd's nor a person's: an error on
 * stderr, exit status 1, and no daemon.
 *
 * <p>Deliberate differences: the name and version are ours; the features JSON is runc's as runc printed it (the Go
 * shim decodes and re-encodes it, so whitespace differs: compared as JSON); unknown flags exit 1 (Go's flag
 * package exits 2).
 */
@WithPrivateContainerd
class InfoIT {
    private static final String FEATURES_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/features/Features";

    @TempDir
    Path tmp;

    @Test
    void infoNamesTheRuntimeAndCarriesRuncsFeatures() throws Exception {
        Run ours = run(new byte[0], Map.of(), launcher(), "-info");
        assertEquals(0, ours.exitCode(), ours::toString);
        assertEquals("", ours.stderrText(), "nothing on stderr");
        RuntimeInfo info = RuntimeInfo.parseFrom(ours.stdout());

        assertEquals("io.containerd.jrunc.v2", info.getName());
        assertEquals(shimVersion(), info.getVersion().getVersion(), "the version -v shows");
        assertFalse(info.hasOptions(), "asked without options, answers without");
        assertEquals(FEATURES_TYPE, info.getFeatures().getTypeUrl());
        Object features = Json.parse(info.getFeatures().getValue().toStringUtf8());
        assertEquals(runcFeatures(), features, "the features are runc's own");

        Run go = run(new byte[0], Map.of(), Testkit.containerdTool("containerd-shim-runc-v2"), "-info");
        if (go.exitCode() == 0) {
            RuntimeInfo reference = RuntimeInfo.parseFrom(go.stdout());
            assertEquals("io.containerd.runc.v2", reference.getName());
            assertEquals(reference.getFeatures().getTypeUrl(), info.getFeatures().getTypeUrl());
            assertEquals(Json.parse(reference.getFeatures().getValue().toStringUtf8()), features,
                    "the same features as the Go shim reports");
            assertEquals(reference.hasOptions(), info.hasOptions());
            assertEquals(reference.getAnnotationsMap(), info.getAnnotationsMap());
        } else {
            // containerd 1.6 and 1.7's Go shim predates -info: its flag parser refuses it.
            assertTrue(new String(go.stderr(), StandardCharsets.UTF_8).contains("-info"), go::toString);
            assertTrue(Testkit.containerdMajor() < 2, "a 2.x Go shim knows -info: " + go);
        }
    }

    @Test
    void theOptionsComeBackAndNameTheRuncThatIsAsked() throws Exception {
        // A name long enough that the options' lengths take two bytes in protobuf's varints.
        Path runc = fakeRunc("runc-" + "a".repeat(140), "{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.0.9-a\"}");
        Any options = Any.newBuilder().setTypeUrl("containerd.runc.v1.Options")
                .setValue(Options.newBuilder().setBinaryName(runc.toString()).build().toByteString()).build();

        Run ours = run(options.toByteArray(), Map.of(), launcher(), "-info");

        assertEquals(0, ours.exitCode(), ours::toString);
        RuntimeInfo info = RuntimeInfo.parseFrom(ours.stdout());
        assertEquals(options, info.getOptions(), "the options it was asked with");
        assertEquals("1.0.9-a", Json.path(Json.parse(info.getFeatures().getValue().toStringUtf8()), "ociVersionMax"),
                "the features of the runc named in the options");

        Run go = run(options.toByteArray(), Map.of(), Testkit.containerdTool("containerd-shim-runc-v2"), "-info");
        if (go.exitCode() == 0) {
            RuntimeInfo reference = RuntimeInfo.parseFrom(go.stdout());
            assertEquals(reference.getOptions(), info.getOptions());
            assertEquals(Json.parse(reference.getFeatures().getValue().toStringUtf8()),
                    Json.parse(info.getFeatures().getValue().toStringUtf8()));
        }
    }

    /** CRI hands a non-runc runtime its handler's options as TOML: in a file (config_path) or inline (config_body). */
    @Test
    void criOptionsNameTheRuncByFileOrInline() throws Exception {
        Path byFile = fakeRunc("runc-file", "{\"ociVersionMax\":\"file\"}");
        Path inline = fakeRunc("runc-body", "{\"ociVersionMax\":\"body\"}");
        Path toml = tmp.resolve("jrunc.toml");
        Files.writeString(toml, "# runc's options\nBinaryName = \"" + byFile + "\"\nSystemdCgroup = false\n");
        var fromFile = dev.jrunc.shim.proto.runtimeoptions.Options.newBuilder().setConfigPath(toml.toString()).build();
        var fromBody = dev.jrunc.shim.proto.runtimeoptions.Options.newBuilder()
                .setConfigBody(ByteString.copyFromUtf8("BinaryName = '" + inline + "'\n")).build();

        for (var sent : List.of(Map.entry(fromFile, "file"), Map.entry(fromBody, "body"))) {
            Any options = Any.newBuilder().setTypeUrl("runtimeoptions.v1.Options").setValue(sent.getKey().toByteString()).build();
            Run ours = run(options.toByteArray(), Map.of(), launcher(), "-info");
            assertEquals(0, ours.exitCode(), ours::toString);
            RuntimeInfo info = RuntimeInfo.parseFrom(ours.stdout());
            assertEquals(sent.getValue(), Json.path(Json.parse(info.getFeatures().getValue().toStringUtf8()), "ociVersionMax"));
        }
    }

    @Test
    void aRuncThatIsNotThereIsAnErrorAsWithTheGoShim() throws Exception {
        Any options = Any.newBuilder().setTypeUrl("containerd.runc.v1.Options")
                .setValue(Options.newBuilder().setBinaryName(tmp.resolve("no-such-runc").toString()).build().toByteString())
                .build();

        Run ours = run(options.toByteArray(), Map.of(), launcher(), "-info");

        assertEquals(1, ours.exitCode(), ours::toString);
        assertEquals(0, ours.stdout().length, "no half answer on stdout");
        assertTrue(ours.stderrText().contains("no-such-runc"), ours::toString);
        Run go = run(options.toByteArray(), Map.of(), Testkit.containerdTool("containerd-shim-runc-v2"), "-info");
        assertNotEquals(0, go.exitCode(), go::toString);
    }

    /** No JVM: the launcher answers alone (with a JVM that cannot start, -info still works). */
    @Test
    void theLauncherAnswersWithoutAJvm() throws Exception {
        Run ours = run(new byte[0], Map.of("JRUNC_JAVA", "/bin/false"), launcher(), "-info");
        assertEquals(0, ours.exitCode(), ours::toString);
        assertEquals("io.containerd.jrunc.v2", RuntimeInfo.parseFrom(ours.stdout()).getName());

        Run shared = run(new byte[0], Map.of("JRUNC_JAVA", "/bin/false"), launcher().replace("jrunc-v2", "jrunc-shared-v2"), "-info");
        assertEquals("io.containerd.jrunc-shared.v2", RuntimeInfo.parseFrom(shared.stdout()).getName());
    }

    /** Neither containerd's nor a person's command line: a clear error, exit 1, and never the daemon. */
    @Test
    void unknownFlagsAndActionsAreErrorsAndStartNoDaemon() throws Exception {
        List<List<String>> commandLines = List.of(
                List.of("-bogus"),
                List.of("-namespace", "ns", "-id", "x", "frobnicate"),
                List.of("-namespace", "ns", "-id", "x", "-address", "/nowhere", "start", "extra"),
                List.of(),
                List.of("-namespace", "jrunc-info-it", "-id", "x", "-address", "/nowhere"));
        for (List<String> args : commandLines) {
            List<String> command = new ArrayList<>(List.of(launcher()));
            command.addAll(args);
            Run r = run(new byte[0], Map.of(), command.toArray(String[]::new));
            assertEquals(1, r.exitCode(), r::toString);
            assertEquals(0, r.stdout().length, "nothing on stdout: " + r);
            assertFalse(r.stderrText().isBlank(), "says why: " + r);
        }
        assertEquals(List.of(), Testkit.pidsWithCmdlineContaining("jrunc-info-it"), "no daemon was left running");
    }

    /** containerd 2.x's own client for -info: {@code ctr plugins inspect-runtime}, for our runtime and the Go shim's. */
    @Test
    void ctrInspectRuntimeShowsOursLikeTheGoShims(Containerd containerd) throws Exception {
        Assumptions.assumeTrue(Testkit.containerdMajor() >= 2,
                "ctr plugins inspect-runtime exists from containerd 2.0; this line is " + Testkit.containerdVersion());
        CtrResult ours = containerd.ctr("plugins", "inspect-runtime", "--runtime", Containerd.JRUNC_RUNTIME).assertOk();
        CtrResult go = containerd.ctr("plugins", "inspect-runtime", "--runtime", Containerd.GO_RUNTIME).assertOk();

        Object o = Json.parse(ours.stdout());
        Object g = Json.parse(go.stdout());
        assertEquals("io.containerd.jrunc.v2", Json.path(o, "Name"), ours.stdout());
        assertEquals(shimVersion(), Json.path(o, "Version", "Version"), ours.stdout());
        assertEquals(Json.path(g, "Features"), Json.path(o, "Features"), "the same features, decoded by containerd");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    record Run(int exitCode, byte[] stdout, byte[] stderr) {
        String stderrText() {
            return new String(stderr, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + ", stdout " + stdout.length + " bytes, stderr: " + stderrText();
        }
    }

    private Run run(byte[] stdin, Map<String, String> env, String... command) throws Exception {
        Path in = Files.write(Files.createTempFile(tmp, "stdin", ".bin"), stdin);
        Path out = Files.createTempFile(tmp, "stdout", ".bin");
        Path err = Files.createTempFile(tmp, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).directory(tmp.toFile());
        Map<String, String> environment = new HashMap<>(env);
        environment.putIfAbsent("PATH", System.getenv("PATH") + ":/usr/local/sbin:/usr/sbin:/sbin");
        pb.environment().putAll(environment);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + String.join(" ", command));
        return new Run(p.exitValue(), Files.readAllBytes(out), Files.readAllBytes(err));
    }

    /** A stand-in runc that only knows `features` and prints {@code json}. */
    private Path fakeRunc(String name, String json) throws Exception {
        Path runc = tmp.resolve(name);
        Files.writeString(runc, "#!/bin/sh\n[ \"$1\" = features ] && exec printf '%s\\n' '" + json + "'\nexit 1\n");
        assertTrue(runc.toFile().setExecutable(true));
        return runc;
    }

    private Object runcFeatures() throws Exception {
        Run r = run(new byte[0], Map.of(), "runc", "features");
        assertEquals(0, r.exitCode(), r::toString);
        return Json.parse(new String(r.stdout(), StandardCharsets.UTF_8));
    }

    /** What {@code -v} says: "  Version:  0.1.0". */
    private String shimVersion() throws Exception {
        Run r = run(new byte[0], Map.of(), launcher(), "-v");
        assertEquals(0, r.exitCode(), r::toString);
        return new String(r.stdout(), StandardCharsets.UTF_8).lines().filter(l -> l.strip().startsWith("Version:"))
                .map(l -> l.strip().substring("Version:".length()).strip()).findFirst().orElseThrow();
    }

    private static String launcher() {
        return new File(System.getProperty("jrunc.launcher", "target/containerd-shim-jrunc-v2")).getAbsolutePath();
    }
}
