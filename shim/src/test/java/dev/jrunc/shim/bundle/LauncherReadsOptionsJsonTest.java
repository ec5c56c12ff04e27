package dev.jrunc.shim.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.proto.runc.Options;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.Runc;

/**
 * The launcher's {@code delete} fast path reads runc's root from {@code options.json} with a bash regex
 * ({@code "root":"…"}, no spaces, no escapes), so it depends on the exact form of {@link Bundle#writeOptions}'s
 * output ({@code Json.write}: compact, keys in quotes). This runs the launcher itself (the file the build copies,
 * whose fast path has no build-time tokens) on a bundle whose options.json the shim's own code wrote, with a
 * stand-in for java that only records that it ran: state under the root named in options.json must send the
 * launcher to the JVM; no state there must let it answer alone. If Json.write's form changed (a space after
 * the colon, another key order that the regex could mistake, escapes), the launcher would look in runc's default
 * root instead and one of these would fail.
 */
class LauncherReadsOptionsJsonTest {
    private static final Path LAUNCHER = Path.of(System.getProperty("basedir", "."), "src/main/launcher/containerd-shim-jrunc-v2");
    /** Unique, so that the default root (/run/containerd/runc) cannot hold it by chance. */
    private static final String NAMESPACE = "jrunc-launcher-test-" + ProcessHandle.current().pid();
    private static final String ID = "c1";

    @TempDir
    Path tmp;
    private Path bundle;
    private Path javaRan;
    private Path fakeJava;

    @BeforeEach
    void bundleAndAStandInForJava() throws IOException {
        bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.createDirectories(bundle.resolve("rootfs"));
        javaRan = tmp.resolve("java-ran");
        fakeJava = tmp.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\necho \"$@\" > '" + javaRan + "'\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void stateUnderTheRootInOptionsJsonSendsDeleteToTheJvm() throws Exception {
        Path root = tmp.resolve("runc-root");
        writeOptions(allOptions(root.toString()));
        Files.createDirectories(root.resolve(NAMESPACE).resolve(ID));   // runc still has state: the shim died

        Result r = delete();

        assertTrue(Files.exists(javaRan), "the launcher found runc's state under " + root + " and left delete to the JVM: "
                + r + "; options.json: " + Files.readString(bundle.resolve("options.json")));
    }

    @Test
    void noStateUnderThatRootIsAnsweredWithoutAJvm() throws Exception {
        Path root = tmp.resolve("runc-root");
        writeOptions(allOptions(root.toString()));
        Files.createDirectories(root.resolve("another-namespace").resolve(ID));

        Result r = delete();

        assertFalse(Files.exists(javaRan), "no JVM for a container runc no longer knows: " + r);
        assertEquals(0, r.exit, r::toString);
        DeleteResponse response = DeleteResponse.parseFrom(r.stdout);
        assertEquals(137, response.getExitStatus(), "killed, as the Go shim says of a container it did not see end");
        assertTrue(response.getExitedAt().getSeconds() > 0, r::toString);
    }

    /** A root the regex cannot read (Json.write escapes the quote) must not be mistaken for the default one. */
    @Test
    void aRootThatJsonEscapesIsLeftToTheJvm() throws Exception {
        writeOptions(allOptions(tmp.resolve("a \"quoted\" root").toString()));

        Result r = delete();

        assertTrue(Files.exists(javaRan), "options.json with an escape goes to the JVM, which parses JSON: " + r);
    }

    private static Options allOptions(String root) {
        // every field Bundle.writeOptions writes, so the regex meets the whole object, root among the others
        return Options.newBuilder().setNoPivotRoot(true).setNoNewKeyring(true).setShimCgroup("/shims").setIoUid(1000)
                .setIoGid(1000).setBinaryName("/usr/local/bin/runc").setRoot(root).setSystemdCgroup(true).build();
    }

    private void writeOptions(Options options) throws IOException {
        Bundle.load(bundle).writeOptions(options);
    }

    /**
     * Through the shim's Reaper, never ProcessBuilder: other test classes in this JVM run the reaper's
     * {@code waitpid(-1)}, which would take the launcher's exit status (the JDK then reports 0 whatever it was).
     */
    private Result delete() throws Exception {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("JRUNC_JAVA", fakeJava.toString());
        int stdout = Posix.memfd("launcher-stdout");
        int stderr = Posix.memfd("launcher-stderr");
        try {
            Reaper.Child launcher = Reaper.start().spawn(Spawn.of(Runc.resolve("bash"), java.util.List.of("bash",
                    LAUNCHER.toString(), "-namespace", NAMESPACE, "-address", "/run/containerd/containerd.sock", "-id", ID,
                    "-bundle", bundle.toString(), "delete"))
                    .cwd(bundle).env(env).stdio(-1, stdout, stderr));
            Exit exit = launcher.exit().get(30, TimeUnit.SECONDS);
            return new Result(exit.status(), Posix.readAll(stdout), new String(Posix.readAll(stderr), StandardCharsets.UTF_8));
        } finally {
            Posix.closeQuietly(stdout, stderr);
        }
    }

    private record Result(int exit, byte[] stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + ", " + stdout.length + " bytes on stdout, stderr: " + stderr.strip();
        }
    }
}
