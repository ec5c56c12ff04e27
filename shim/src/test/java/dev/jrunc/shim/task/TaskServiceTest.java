package dev.jrunc.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import dev.jrunc.shim.events.Topics;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.proto.runc.ProcessDetails;
import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.PauseRequest;
import dev.jrunc.shim.proto.task.PidsRequest;
import dev.jrunc.shim.proto.task.PidsResponse;
import dev.jrunc.shim.proto.task.ResumeRequest;
import dev.jrunc.shim.proto.task.ShutdownRequest;
import dev.jrunc.shim.proto.task.StateResponse;
import dev.jrunc.shim.proto.types.ProcessInfo;
import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.FakeRunc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * The Task API's answers when a call does not fit the task's state, or names nothing: the code and the words the
 * Go shim answers with (containerd and its clients match on both), and that a refused call changes nothing and
 * tells nobody. {@link FakeRunc} plays runc; no root.
 */
@Timeout(60)
class TaskServiceTest {
    @TempDir
    Path tmp;
    private TaskFixture shim;

    @BeforeEach
    void startTheShim() throws Exception {
        shim = TaskFixture.in(tmp);
    }

    @AfterEach
    void stopTheShim() throws Exception {
        shim.close();
    }

    private static void assertAnswer(Code code, String message, Executable call) {
        TtrpcException e = assertThrows(TtrpcException.class, call);
        assertEquals(message, e.getMessage());
        assertEquals(code, e.code(), message);
    }

    // --- names that name nothing ----------------------------------------------------------------------------------

    @Test
    void aCallForAContainerNotCreatedIsNotFound() {
        String notCreated = "container not created: not found";
        assertAnswer(Code.NOT_FOUND, notCreated, () -> shim.state("nobody", ""));
        assertAnswer(Code.NOT_FOUND, notCreated, () -> shim.start("nobody", ""));
        assertAnswer(Code.NOT_FOUND, notCreated, () -> shim.kill("nobody", "", 9));
        assertAnswer(Code.NOT_FOUND, notCreated, () -> shim.delete("nobody", ""));
        assertAnswer(Code.NOT_FOUND, notCreated, () -> shim.exec("nobody", "e1"));
        assertAnswer(Code.NOT_FOUND, notCreated, () -> shim.service.pause(PauseRequest.newBuilder().setId("nobody").build()));
    }

    @Test
    void aCallForAnExecNotAddedIsNotFound() throws Exception {
        shim.create("c1");
        String notAdded = "process does not exist e9: not found";
        assertAnswer(Code.NOT_FOUND, notAdded, () -> shim.state("c1", "e9"));
        assertAnswer(Code.NOT_FOUND, notAdded, () -> shim.start("c1", "e9"));
        assertAnswer(Code.NOT_FOUND, notAdded, () -> shim.kill("c1", "e9", 9));
        assertAnswer(Code.NOT_FOUND, notAdded, () -> shim.delete("c1", "e9"));
    }

    @Test
    void aBundleThatIsNotThereIsNotFound() throws Exception {
        Path missing = tmp.resolve("no-such-bundle");
        assertAnswer(Code.NOT_FOUND, "bundle " + missing + " does not exist: not found", () -> shim.service.create(
                shim.createRequest("c1", TaskFixture.OWN_PID_NAMESPACE).setBundle(missing.toString()).build()));
        assertEquals(List.of(), shim.runc.calls());
    }

    @Test
    void runtimeOptionsThatDoNotParseAreAnInvalidArgument() throws Exception {
        TtrpcException e = assertThrows(TtrpcException.class, () -> shim.service.create(
                shim.createRequest("c1", TaskFixture.OWN_PID_NAMESPACE).setOptions(Any.newBuilder()
                        .setTypeUrl("containerd.runc.v1.Options").setValue(ByteString.copyFromUtf8("\u00ff\u00ff"))).build()));
        assertEquals(Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().startsWith("invalid runtime options containerd.runc.v1.Options"), e.getMessage());
    }

    // --- ids taken ------------------------------------------------------------------------------------------------

    @Test
    void aContainerIdIsTakenOnce() throws Exception {
        shim.create("c1");
        assertAnswer(Code.ALREADY_EXISTS, "container c1: already exists", () -> shim.create("c1"));
        assertEquals(List.of("create"), shim.runc.commands(), "refused before runc");
        assertEquals(List.of(Topics.TASK_CREATE), shim.events.topics());
    }

    @Test
    void anExecIdIsTakenOncePerContainer() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        assertAnswer(Code.ALREADY_EXISTS, "id e1: already exists", () -> shim.exec("c1", "e1"));
        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START, Topics.TASK_EXEC_ADDED), shim.events.topics());
    }

    @Test
    void anExecSpecThatIsNotAJsonObjectIsAnInvalidArgument() throws Exception {
        shim.create("c1");
        assertAnswer(Code.INVALID_ARGUMENT, "exec spec is not a JSON object",
                () -> shim.service.exec(shim.execRequest("c1", "e1", "[\"sh\"]").build()));
        assertEquals(Code.INVALID_ARGUMENT, assertThrows(TtrpcException.class,
                () -> shim.service.exec(shim.execRequest("c1", "e1", "{\"args\":").build())).code());
        assertEquals(List.of(Topics.TASK_CREATE), shim.events.topics());
    }

    // --- calls that do not fit the state ----------------------------------------------------------------------------

    @Test
    void aCreatedTaskCannotBePausedOrResumedAndNobodyIsTold() throws Exception {
        shim.create("c1");
        assertAnswer(Code.UNKNOWN, "cannot pause task in created state",
                () -> shim.service.pause(PauseRequest.newBuilder().setId("c1").build()));
        assertAnswer(Code.UNKNOWN, "cannot resume task in created state",
                () -> shim.service.resume(ResumeRequest.newBuilder().setId("c1").build()));
        assertEquals(Status.CREATED, shim.state("c1", "").getStatus());
        assertEquals(List.of(Topics.TASK_CREATE), shim.events.topics());
    }

    @Test
    void aTaskIsStartedOnce() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        assertAnswer(Code.UNKNOWN, "cannot start a running process", () -> shim.start("c1", ""));
        assertEquals(List.of("create", "start"), shim.runc.commands());
        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START), shim.events.topics());
    }

    @Test
    void aRunningTaskIsNotDeletedAndStaysThere() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        assertAnswer(Code.UNKNOWN, "cannot delete a running process", () -> shim.delete("c1", ""));
        assertEquals(Status.RUNNING, shim.state("c1", "").getStatus());
        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START), shim.events.topics());
    }

    @Test
    void aRunningExecIsNotDeleted() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        shim.start("c1", "e1");
        assertAnswer(Code.UNKNOWN, "cannot delete a running process", () -> shim.delete("c1", "e1"));
        assertAnswer(Code.UNKNOWN, "cannot start a running process", () -> shim.start("c1", "e1"));
        assertEquals(Status.RUNNING, shim.state("c1", "e1").getStatus());
    }

    @Test
    void noExecJoinsAStoppedContainer() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.kill("c1", "", 9);
        shim.exitOf("c1", "c1");
        assertAnswer(Code.UNKNOWN, "cannot exec in a stopped state", () -> shim.exec("c1", "e1"));
        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START, Topics.TASK_EXIT), shim.events.topics());
    }

    @Test
    void noExecJoinsAPausedContainer() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.service.pause(PauseRequest.newBuilder().setId("c1").build());
        assertAnswer(Code.UNKNOWN, "cannot exec in a paused state", () -> shim.exec("c1", "e1"));
    }

    @Test
    void anExecAddedBeforeItsContainerStoppedCannotStartAfter() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        shim.kill("c1", "", 9);
        shim.exitOf("c1", "c1");
        assertAnswer(Code.FAILED_PRECONDITION, "container c1 init process is not running", () -> shim.start("c1", "e1"));
        assertEquals(Status.CREATED, shim.state("c1", "e1").getStatus());
    }

    @Test
    void anExecNotStartedHasNothingToSignal() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        assertAnswer(Code.FAILED_PRECONDITION, "process not created: failed precondition", () -> shim.kill("c1", "e1", 9));
    }

    @Test
    void signallingAProcessThatExitedIsNotFound() throws Exception {
        shim.runc.program("e1", "exit 0");
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        shim.start("c1", "e1");
        shim.exitOf("c1", "e1");
        assertAnswer(Code.NOT_FOUND, "process already finished: not found", () -> shim.kill("c1", "e1", 9));
        shim.kill("c1", "", 9);
        shim.exitOf("c1", "c1");
        FakeRunc.awaitGone(shim.state("c1", "").getPid());   // until reaped: runc then finds it not running
        assertAnswer(Code.NOT_FOUND, "process already finished: not found", () -> shim.kill("c1", "", 9));
    }

    @Test
    void aFailedRuncCreateLeavesNoTaskAndTellsNobody() throws Exception {
        shim.runc.failing("create", "container_linux.go:380: starting container process caused: exec: \\\"nope\\\"");
        assertAnswer(Code.UNKNOWN, "OCI runtime create failed: container_linux.go:380: starting container process "
                + "caused: exec: \"nope\"", () -> shim.create("c1"));
        assertAnswer(Code.NOT_FOUND, "container not created: not found", () -> shim.state("c1", ""));
        assertEquals(List.of(), shim.events.topics());
    }

    @Test
    void aFailedExecStartLeavesTheExecCreated() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        shim.runc.failing("exec", "exec failed: unable to start container process: exec: \\\"nope\\\"");
        assertAnswer(Code.UNKNOWN, "OCI runtime exec failed: exec failed: unable to start container process: exec: "
                + "\"nope\"", () -> shim.start("c1", "e1"));
        assertEquals(Status.CREATED, shim.state("c1", "e1").getStatus());
        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START, Topics.TASK_EXEC_ADDED), shim.events.topics());
    }

    // --- what the task service answers besides ----------------------------------------------------------------------

    @Test
    void stateAnswersFromWhatTheShimKnows() throws Exception {
        int pid = shim.service.create(shim.createRequest("c1", TaskFixture.OWN_PID_NAMESPACE).build()).getPid();
        StateResponse state = shim.state("c1", "");
        assertEquals("c1", state.getId());
        assertEquals(shim.bundle("c1").toString(), state.getBundle());
        assertEquals(pid, state.getPid());
        assertEquals(Status.CREATED, state.getStatus());
        assertEquals("", state.getExecId());
        assertEquals(List.of("create"), shim.runc.commands(), "no runc state: the shim's own state machine");
    }

    @Test
    void theExecsProcessJsonGetsTheTerminalFlagOfTheCall() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        shim.start("c1", "e1");
        String json = shim.runc.processJson("e1");
        assertTrue(json.contains("\"terminal\":false"), json);
        assertTrue(json.contains("\"args\":[\"sh\"]"), json);
    }

    @Test
    void pidsNameEachExecsId() throws Exception {
        shim.create("c1");
        int init = shim.start("c1", "");
        shim.exec("c1", "e1");
        int exec = shim.start("c1", "e1");

        PidsResponse pids = shim.service.pids(PidsRequest.newBuilder().setId("c1").build());
        assertEquals(List.of(init, exec), pids.getProcessesList().stream().map(ProcessInfo::getPid).toList());
        assertEquals(false, pids.getProcesses(0).hasInfo(), "the init carries no details");
        assertEquals("containerd.runc.v1.ProcessDetails", pids.getProcesses(1).getInfo().getTypeUrl());
        assertEquals("e1", ProcessDetails.parseFrom(pids.getProcesses(1).getInfo().getValue()).getExecId());
    }

    @Test
    void connectAnswersForUnknownIdsToo() throws Exception {
        int pid = shim.create("c1").getPid();
        ConnectResponse known = shim.service.connect(ConnectRequest.newBuilder().setId("c1").build());
        assertEquals(Posix.getpid(), known.getShimPid());
        assertEquals(pid, known.getTaskPid());
        assertEquals(0, shim.service.connect(ConnectRequest.newBuilder().setId("gone").build()).getTaskPid());
    }

    @Test
    void shutdownEndsTheShimOnlyOnceItsLastContainerIsDeleted() throws Exception {
        shim.create("c1");
        shim.service.shutdown(ShutdownRequest.getDefaultInstance());
        assertEquals(0, shim.shutdowns.get(), "a container is left");
        assertTrue(shim.service.hasContainers());

        shim.delete("c1", "");   // a created task: runc delete kills its waiting init
        shim.service.shutdown(ShutdownRequest.getDefaultInstance());
        assertEquals(1, shim.shutdowns.get());
        assertEquals(false, shim.service.hasContainers());
        assertTrue(shim.events.topics().contains(Topics.TASK_DELETE));
    }
}
