package dev.jrunc.shim.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/** The transitions that need no runc: the forbidden ones, and what each state reports. */
class InitStateTest {

    @Test
    void aRunningProcessCannotBeStartedOrDeleted() {
        TtrpcException start = assertThrows(TtrpcException.class, () -> new RunningState().start(null));
        assertEquals(Code.UNKNOWN, start.code());
        assertEquals("cannot start a running process", start.getMessage());
        TtrpcException delete = assertThrows(TtrpcException.class, () -> new RunningState().delete(null));
        assertEquals("cannot delete a running process", delete.getMessage());
    }

    @Test
    void aStoppedProcessCannotBeStarted() {
        TtrpcException e = assertThrows(TtrpcException.class, () -> new StoppedState().start(null));
        assertEquals("cannot start a stopped process", e.getMessage());
    }

    @Test
    void aDeletedProcessIsNotFoundForKillAndDelete() {
        assertEquals(Code.NOT_FOUND, assertThrows(TtrpcException.class, () -> new DeletedState().kill(null, 9, false)).code());
        assertEquals(Code.NOT_FOUND, assertThrows(TtrpcException.class, () -> new DeletedState().delete(null)).code());
    }

    @Test
    void statesReportContainerdsStatus() {
        assertEquals(Status.CREATED, new CreatedState().status());
        assertEquals(Status.RUNNING, new RunningState().status());
        assertEquals(Status.STOPPED, new StoppedState().status());
        assertEquals(Status.STOPPED, new DeletedState().status(), "a deleted init reads as stopped");
    }

    @Test
    void bothCreatedStatesRefusePauseResumeAndCheckpointInTheGoShimsWords() {
        for (InitState created : List.of(new CreatedState(), new CreatedCheckpointState(null))) {
            String name = created.getClass().getSimpleName();
            assertEquals(Status.CREATED, created.status(), name);
            assertEquals("cannot pause task in created state",
                    assertThrows(TtrpcException.class, () -> created.pause(null)).getMessage(), name);
            assertEquals("cannot resume task in created state",
                    assertThrows(TtrpcException.class, () -> created.resume(null)).getMessage(), name);
            assertEquals("cannot checkpoint a task in created state",
                    assertThrows(TtrpcException.class, () -> created.checkpoint(null, null)).getMessage(), name);
        }
    }

    @Test
    void anExecMayJoinACreatedTaskButNotOneWaitingForItsRestore() throws Exception {
        new CreatedState().checkExec();
        TtrpcException e = assertThrows(TtrpcException.class, () -> new CreatedCheckpointState(null).checkExec());
        assertEquals(Code.UNKNOWN, e.code());
        assertEquals("cannot exec in a created state", e.getMessage());
    }

    @Test
    void runcsKillErrorsMapToContainerdsKinds() {
        assertEquals(Code.NOT_FOUND, InitProcess.killError("container not running").code());
        assertEquals("process already finished: not found", InitProcess.killError("os: process already finished").getMessage());
        assertEquals(Code.NOT_FOUND, InitProcess.killError("No such process").code());
        assertEquals("no such container: not found", InitProcess.killError("container \"x\" does not exist").getMessage());
        TtrpcException other = InitProcess.killError("permission denied");
        assertEquals(Code.UNKNOWN, other.code());
        assertEquals("unknown error after kill: permission denied", other.getMessage());
    }
}
