package dev.jrunc.shim.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void aTaskWaitingForItsRestoreReadsAsCreatedAndCannotBePausedOrCheckpointed() {
        CreatedCheckpointState waiting = new CreatedCheckpointState(null);
        assertEquals(Status.CREATED, waiting.status());
        assertEquals("cannot pause task in created state", assertThrows(TtrpcException.class, () -> waiting.pause(null)).getMessage());
        assertEquals("cannot resume task in created state", assertThrows(TtrpcException.class, () -> waiting.resume(null)).getMessage());
        assertEquals("cannot checkpoint a task in created state",
                assertThrows(TtrpcException.class, () -> waiting.checkpoint(null, null)).getMessage());
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
