package dev.jrunc.shim.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.shim.bundle.Bundle;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.FakeRunc;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.stdio.Stdio;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * An init process through its states, with {@link FakeRunc} as runc: which operations move it on, which are
 * refused with the Go shim's words, and which runc commands each one runs. No root: the bundle has no rootfs
 * folder (so Delete's unmount finds nothing, ENOENT, before any permission check) and no stdio.
 */
@Timeout(30)
class InitProcessTest {
    private static final Reaper REAPER = Reaper.start();
    private static final Stdio NO_STDIO = new Stdio("", "", "", false);

    @TempDir
    Path tmp;
    private FakeRunc fake;
    private Bundle bundle;
    private Runc runc;

    @BeforeAll
    static void becomeSubreaper() throws PosixException {
        Posix.setChildSubreaper();
    }

    @BeforeEach
    void writeFakeAndBundle() throws IOException {
        fake = FakeRunc.in(tmp.resolve("fake"));
        Path dir = Files.createDirectories(tmp.resolve("bundle"));
        Files.writeString(dir.resolve("config.json"), "{}");
        bundle = Bundle.load(dir);
        runc = new Runc(REAPER, fake.binary().toString(), fake.root().toString(), dir, false);
    }

    @AfterEach
    void endTheFakesProcesses() throws Exception {
        fake.close();
    }

    private InitProcess created() throws IOException, TtrpcException {
        return InitProcess.create("c1", "default", bundle, runc, NO_STDIO, false, false, 0, 0);
    }

    private InitProcess waitingForRestore() throws IOException {
        return InitProcess.restoring("c1", "default", bundle, runc, NO_STDIO, false, 0, 0, tmp.resolve("image"),
                tmp.resolve("work"), "");
    }

    private static void assertRefused(String message, Executable operation) {
        TtrpcException e = assertThrows(TtrpcException.class, operation);
        assertEquals(message, e.getMessage());
        assertEquals(Code.UNKNOWN, e.code(), "the Go shim's plain errors reach containerd as Unknown");
    }

    /** What a created task and one waiting for its restore both refuse, without asking runc, staying created. */
    private void assertRefusesWhatACreatedTaskRefuses(InitProcess init) throws IOException {
        List<String> before = fake.commands();
        assertRefused("cannot pause task in created state", init::pause);
        assertRefused("cannot resume task in created state", init::resume);
        assertRefused("cannot checkpoint a task in created state", () -> init.checkpoint(
                new Runc.CheckpointOptions(tmp.resolve("img"), tmp.resolve("work"), false, false, false, false, false,
                        List.of(), "")));
        assertEquals(Status.CREATED, init.status());
        assertEquals(before, fake.commands(), "no runc call");
    }

    private static Exit exitOf(InitProcess init, int status) {
        return new Exit(init.pid(), status, Instant.now());
    }

    // --- created ---------------------------------------------------------------------------------------------

    @Test
    void aCreatedTaskHasThePidRuncWroteAndRefusesPauseResumeAndCheckpoint() throws Exception {
        InitProcess init = created();
        assertEquals(bundle.readInitPid(), init.pid());
        assertTrue(FakeRunc.exists(init.pid()), "the init waits for runc start");
        assertRefusesWhatACreatedTaskRefuses(init);
    }

    @Test
    void aCreatedTaskTakesAnExecAndNewLimits() throws Exception {
        InitProcess init = created();
        init.checkExec();
        init.update("{\"pids\":{\"limit\":10}}".getBytes());
        assertEquals(List.of("create", "update"), fake.commands());
        assertEquals(Status.CREATED, init.status());
    }

    @Test
    void startRunsRuncStartAndTheTaskRuns() throws Exception {
        InitProcess init = created();
        init.start();
        assertEquals(Status.RUNNING, init.status());
        assertEquals(List.of("start", "c1"), fake.commandLines().get(1));
        assertRefused("cannot start a running process", init::start);
    }

    @Test
    void aFailedStartLeavesTheTaskCreated() throws Exception {
        InitProcess init = created();
        fake.failing("start", "exec: \\\"nope\\\": executable file not found in $PATH");
        assertRefused("OCI runtime start failed: exec: \"nope\": executable file not found in $PATH", init::start);
        assertEquals(Status.CREATED, init.status());
    }

    @Test
    void deletingACreatedTaskDeletesItOnce() throws Exception {
        InitProcess init = created();
        init.delete();
        assertEquals(List.of("create", "delete"), fake.commands());
        assertEquals(Status.STOPPED, init.status(), "a deleted init reads as stopped");
        TtrpcException again = assertThrows(TtrpcException.class, init::delete);
        assertEquals(Code.NOT_FOUND, again.code());
        assertEquals("cannot delete a deleted process: not found", again.getMessage());
        assertRefused("cannot start a deleted process", init::start);
    }

    @Test
    void aCreatedTaskWhoseInitExitsIsStopped() throws Exception {
        InitProcess init = created();
        init.kill(9, false);
        init.setExited(exitOf(init, 137));

        assertEquals(Status.STOPPED, init.status());
        assertEquals(137, init.exitStatus());
        assertEquals(List.of("kill", "c1", "9"), fake.commandLines().get(1));
        assertRefused("cannot start a stopped process", init::start);
        assertRefused("cannot exec in a stopped state", init::checkExec);
    }

    // --- created from a checkpoint -------------------------------------------------------------------------------

    @Test
    void aTaskWaitingForItsRestoreHasNoPidAndRefusesWhatACreatedTaskRefuses() throws Exception {
        InitProcess init = waitingForRestore();
        assertEquals(0, init.pid());
        assertEquals(List.of(), fake.calls(), "nothing runs before Start");
        assertRefusesWhatACreatedTaskRefuses(init);
    }

    @Test
    void noExecJoinsATaskWaitingForItsRestore() throws Exception {
        assertRefused("cannot exec in a created state", waitingForRestore()::checkExec);
    }

    @Test
    void startRestoresTheTaskAndReadsItsPid() throws Exception {
        InitProcess init = waitingForRestore();
        init.start();
        assertEquals(Status.RUNNING, init.status());
        assertEquals("restore", fake.commands().get(0));
        assertEquals(bundle.readInitPid(), init.pid());
        assertTrue(init.pid() > 0);
        assertTrue(Files.isDirectory(tmp.resolve("work")), "CRIU's work folder is made first");
    }

    @Test
    void aFailedRestoreLeavesTheTaskWaitingForAnotherStartOrADelete() throws Exception {
        InitProcess init = waitingForRestore();
        fake.failing("restore", "criu failed: type NOTIFY errno 0");
        assertRefused("OCI runtime restore failed: criu failed: type NOTIFY errno 0", init::start);
        assertEquals(Status.CREATED, init.status());
        assertEquals(0, init.pid());
        init.delete();   // runc answers that it has no such container: nothing to delete, not an error
        assertEquals(Status.STOPPED, init.status());
    }

    // --- running, paused, stopped --------------------------------------------------------------------------------

    @Test
    void pauseAndResumeGoThroughRunc() throws Exception {
        InitProcess init = created();
        init.start();
        init.pause();
        assertEquals(Status.PAUSED, init.status());
        assertRefused("cannot pause a paused container", init::pause);
        assertRefused("cannot start a paused process", init::start);
        assertRefused("cannot delete a paused process", init::delete);
        assertRefused("cannot exec in a paused state", init::checkExec);
        init.resume();
        assertEquals(Status.RUNNING, init.status());
        assertRefused("cannot resume a running process", init::resume);
        assertRefused("cannot delete a running process", init::delete);
        assertEquals(List.of("create", "start", "pause", "resume"), fake.commands());
    }

    @Test
    void aFailedPauseLeavesTheTaskRunning() throws Exception {
        InitProcess init = created();
        init.start();
        fake.failing("pause", "freezer not supported");
        assertRefused("OCI runtime pause failed: freezer not supported", init::pause);
        assertEquals(Status.RUNNING, init.status(), "not pausing any more either");
    }

    @Test
    void anInitThatDiesFrozenIsStoppedAndItsContainerThawed() throws Exception {
        InitProcess init = created();
        init.start();
        init.pause();
        init.setExited(exitOf(init, 137));
        assertEquals(Status.STOPPED, init.status());
        assertEquals(List.of("create", "start", "pause", "resume"), fake.commands(), "resumed after the exit");
    }

    @Test
    void aStoppedTaskRefusesAllButKillAndDelete() throws Exception {
        InitProcess init = created();
        init.start();
        init.kill(9, false);
        init.setExited(exitOf(init, 137));
        FakeRunc.awaitGone(init.pid());   // until the reaper took it: runc then finds nothing to signal

        assertRefused("cannot pause a stopped container", init::pause);
        assertRefused("cannot resume a stopped container", init::resume);
        assertRefused("cannot update a stopped container", () -> init.update(new byte[0]));
        TtrpcException kill = assertThrows(TtrpcException.class, () -> init.kill(15, false));
        assertEquals(Code.NOT_FOUND, kill.code(), "runc's 'container not running' means already stopped");
        assertEquals("process already finished: not found", kill.getMessage());
        init.delete();
        assertEquals(List.of("create", "start", "kill", "kill", "delete"), fake.commands());
    }

    @Test
    void waitReturnsOnceTheExitIsRecordedAndAnExitIsRecordedOnce() throws Exception {
        InitProcess init = created();
        Thread waiter = new Thread(() -> {
            try {
                init.awaitExit();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        init.setExited(exitOf(init, 3));
        waiter.join();
        init.setExited(exitOf(init, 9));
        assertEquals(3, init.exitStatus(), "the first exit stays");
        assertTrue(init.hasExited());
    }
}
