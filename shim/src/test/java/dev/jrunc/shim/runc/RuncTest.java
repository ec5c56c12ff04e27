package dev.jrunc.shim.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.reaper.Reaper;

/**
 * The command lines {@link Runc} gives runc, checked against {@link FakeRunc}'s record, and how runc's failures
 * come back. No root: the fake starts plain shell processes, which the test JVM (a subreaper) reaps.
 */
@Timeout(30)
class RuncTest {
    private static final Reaper REAPER = Reaper.start();

    @TempDir
    Path tmp;
    private FakeRunc fake;
    private Path bundle;

    @BeforeAll
    static void becomeSubreaper() throws PosixException {
        Posix.setChildSubreaper();   // the fake's processes outlive it, as a container's outlive runc
    }

    @BeforeEach
    void writeFakeAndBundle() throws IOException {
        fake = FakeRunc.in(tmp.resolve("fake"));
        bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.writeString(bundle.resolve("config.json"), "{}");
    }

    @AfterEach
    void endTheFakesProcesses() throws Exception {
        fake.close();
    }

    private Runc runc(boolean systemdCgroup) {
        return new Runc(REAPER, fake.binary().toString(), fake.root().toString(), bundle, systemdCgroup);
    }

    private Runc.CreateOptions plainCreate() {
        return new Runc.CreateOptions(bundle.resolve("init.pid"), false, false, null);
    }

    @Test
    void everyCallStartsWithRootAndAJsonLogInTheBundle() throws Exception {
        runc(false).create("c1", plainCreate(), -1, -1, -1);
        runc(true).start("c1");

        List<List<String>> calls = fake.calls();
        List<String> globals = List.of("--root", fake.root().toString(), "--log", bundle.resolve("log.json").toString(),
                "--log-format", "json");
        assertEquals(globals, calls.get(0).subList(0, 6));
        assertEquals("create", calls.get(0).get(6), "no --systemd-cgroup unless asked for");
        assertEquals(globals, calls.get(1).subList(0, 6));
        assertEquals(List.of("--systemd-cgroup", "start", "c1"), calls.get(1).subList(6, calls.get(1).size()));
    }

    @Test
    void createNamesTheBundleAndPidFileAndOnlyTheOptionsAskedFor() throws Exception {
        Path pidFile = bundle.resolve("init.pid");
        runc(false).create("c1", plainCreate(), -1, -1, -1);
        runc(false).delete("c1", false);
        runc(false).create("c1", new Runc.CreateOptions(pidFile, true, true, "/tmp/console.sock"), -1, -1, -1);

        assertEquals(List.of(
                List.of("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "c1"),
                List.of("delete", "c1"),
                List.of("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(),
                        "--console-socket", "/tmp/console.sock", "--no-pivot", "--no-new-keyring", "c1")),
                fake.commandLines());
        assertTrue(Files.readString(pidFile).trim().matches("[0-9]+"), "runc wrote the init's pid");
    }

    @Test
    void theContainerCommandsNameTheContainerLast() throws Exception {
        Runc runc = runc(false);
        runc.create("c1", plainCreate(), -1, -1, -1);
        runc.start("c1");
        runc.pause("c1");
        runc.resume("c1");
        runc.kill("c1", 15, false);
        runc.delete("c1", true);

        assertEquals(List.of(
                List.of("start", "c1"),
                List.of("pause", "c1"),
                List.of("resume", "c1"),
                List.of("kill", "c1", "15"),
                List.of("delete", "--force", "c1")),
                fake.commandLines().subList(1, 6));
    }

    @Test
    void killAllSignalsEveryProcessOfTheContainer() throws Exception {
        Runc runc = runc(false);
        runc.create("c1", plainCreate(), -1, -1, -1);
        runc.kill("c1", 9, true);
        assertEquals(List.of("kill", "--all", "c1", "9"), fake.commandLines().get(1));
    }

    @Test
    void execIsDetachedAndReadsTheProcessFromAFile() throws Exception {
        Runc runc = runc(false);
        runc.create("c1", plainCreate(), -1, -1, -1);
        Path process = Files.writeString(tmp.resolve("process.json"), "{\"args\":[\"true\"]}");
        Path pidFile = bundle.resolve("e1.pid");
        runc.exec("c1", process, pidFile, null, -1, -1, -1);
        runc.exec("c1", process, bundle.resolve("e2.pid"), "/tmp/console.sock", -1, -1, -1);

        assertEquals(List.of("exec", "--process", process.toString(), "--detach", "--pid-file", pidFile.toString(), "c1"),
                fake.commandLines().get(1));
        assertEquals(List.of("exec", "--process", process.toString(), "--console-socket", "/tmp/console.sock",
                "--detach", "--pid-file", bundle.resolve("e2.pid").toString(), "c1"), fake.commandLines().get(2));
        assertEquals("{\"args\":[\"true\"]}", fake.processJson("e1"));
    }

    @Test
    void updateHandsTheResourcesToRuncOnItsStdin() throws Exception {
        Runc runc = runc(false);
        runc.create("c1", plainCreate(), -1, -1, -1);
        String resources = "{\"memory\":{\"limit\":67108864}}";
        runc.update("c1", resources.getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of("update", "--resources", "-", "c1"), fake.commandLines().get(1));
        assertEquals(resources, fake.updateInput("c1"));
    }

    @Test
    void resourcesTooLargeForOnePipeBufferAreRefusedBeforeRuncRuns() throws Exception {
        IOException e = assertThrows(IOException.class, () -> runc(false).update("c1", new byte[61 * 1024]));
        assertTrue(e.getMessage().startsWith("resources JSON too large"), e.getMessage());
        assertEquals(List.of(), fake.calls());
    }

    @Test
    void psReadsThePidsRuncPrints() throws Exception {
        Runc runc = runc(false);
        runc.create("c1", plainCreate(), -1, -1, -1);
        int init = Integer.parseInt(Files.readString(bundle.resolve("init.pid")).trim());

        assertEquals(List.of(init), runc.ps("c1"));
        assertEquals(List.of("ps", "--format", "json", "c1"), fake.commandLines().get(1));
    }

    @Test
    void checkpointSpellsEachOptionAsRuncsFlag() throws Exception {
        Runc runc = runc(false);
        runc.create("c1", plainCreate(), -1, -1, -1);
        runc.checkpoint("c1", new Runc.CheckpointOptions(Path.of("/img"), Path.of("/work"), true, true, true, true,
                true, List.of("network", "uts"), "soft"));
        runc.checkpoint("c1", new Runc.CheckpointOptions(Path.of("/img"), Path.of("/work"), false, false, false, false,
                false, List.of(), ""));

        assertEquals(List.of("checkpoint", "--image-path", "/img", "--work-path", "/work", "--leave-running",
                "--tcp-established", "--ext-unix-sk", "--shell-job", "--file-locks", "--empty-ns", "network",
                "--empty-ns", "uts", "--manage-cgroups-mode", "soft", "c1"), fake.commandLines().get(1));
        assertEquals(List.of("checkpoint", "--image-path", "/img", "--work-path", "/work", "c1"),
                fake.commandLines().get(2));
    }

    @Test
    void restoreIsDetachedAndKeepsRuncFromBeingTheSubreaper() throws Exception {
        Path pidFile = bundle.resolve("init.pid");
        runc(false).restore("c1", new Runc.RestoreOptions(Path.of("/img"), Path.of("/work"), "/parent", pidFile, true,
                null), -1, -1, -1);

        assertEquals(List.of("restore", "--image-path", "/img", "--work-path", "/work", "--parent-path", "/parent",
                "--bundle", bundle.toString(), "--detach", "--pid-file", pidFile.toString(), "--no-subreaper",
                "--no-pivot", "c1"), fake.commandLines().get(0));
    }

    @Test
    void aFailureCarriesRuncsLastErrorFromItsLogAndItsExitStatus() throws Exception {
        Runc runc = runc(false);
        runc.create("c1", plainCreate(), -1, -1, -1);
        fake.failing("pause", "container not running");

        RuncException e = assertThrows(RuncException.class, () -> runc.pause("c1"));
        assertEquals("container not running", e.getMessage());
        assertEquals(1, e.exitStatus());
    }

    @Test
    void withoutALogEntryTheFailureCarriesWhatRuncPrinted() throws Exception {
        Path printing = tmp.resolve("printing-runc");
        Files.writeString(printing, "#!/bin/sh\necho 'flag provided but not defined: -x' >&2\nexit 2\n");
        Files.setPosixFilePermissions(printing, PosixFilePermissions.fromString("rwx------"));
        Runc runc = new Runc(REAPER, printing.toString(), fake.root().toString(), bundle, false);

        RuncException e = assertThrows(RuncException.class, () -> runc.resume("c1"));
        assertEquals("flag provided but not defined: -x", e.getMessage());
        assertEquals(2, e.exitStatus());
    }

    @Test
    void onlyErrorsAppendedDuringTheCallCount() throws Exception {
        Path log = bundle.resolve("log.json");
        String old = "{\"level\":\"error\",\"msg\":\"an old failure\"}\n";
        Files.writeString(log, old + "{\"level\":\"info\",\"msg\":\"fine\"}\nnot json\n"
                + "{\"level\":\"error\",\"msg\":\"the last one\"}\n{\"level\":\"warning\",\"msg\":\"later\"}\n");

        assertEquals("the last one", Runc.lastError(log, 0));
        assertEquals("the last one", Runc.lastError(log, old.length()));
        assertEquals(null, Runc.lastError(log, Files.size(log)), "nothing appended");
        assertEquals(null, Runc.lastError(tmp.resolve("no-such-log.json"), 0));
    }

    @Test
    void aNameIsLookedUpOnPathAndAPathIsTakenAsItIs() throws Exception {
        assertTrue(Runc.resolve("sh").endsWith("/sh"), Runc.resolve("sh"));
        assertEquals("./runc", Runc.resolve("./runc"));
        assertEquals("/opt/runc", Runc.resolve("/opt/runc"));
        PosixException missing = assertThrows(PosixException.class, () -> Runc.resolve("no-such-runc-anywhere"));
        assertEquals(Posix.ENOENT, missing.errno());
    }
}
