package dev.jrunc.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.shim.events.Topics;
import dev.jrunc.shim.proto.events.TaskCreate;
import dev.jrunc.shim.proto.events.TaskDelete;
import dev.jrunc.shim.proto.events.TaskExecAdded;
import dev.jrunc.shim.proto.events.TaskExecStarted;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.events.TaskPaused;
import dev.jrunc.shim.proto.events.TaskResumed;
import dev.jrunc.shim.proto.events.TaskStart;
import dev.jrunc.shim.proto.task.CreateTaskRequest;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.proto.task.PauseRequest;
import dev.jrunc.shim.proto.task.ResumeRequest;
import dev.jrunc.shim.proto.task.WaitRequest;
import dev.jrunc.shim.proto.task.WaitResponse;
import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.FakeRunc;

/**
 * The events containerd's clients rely on, in their order and with the fields containerd reads, from a
 * {@link TaskService} driving {@link FakeRunc}. Exits are real: the fake's processes exit (or are killed) and the
 * shim's reaper sees them; every test waits for the event that proves it, never for a time.
 */
@Timeout(60)
class TaskEventsTest {
    private static final List<String> INIT_LIFE = List.of(Topics.TASK_CREATE, Topics.TASK_START, Topics.TASK_EXIT,
            Topics.TASK_DELETE);

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

    @Test
    void anInitsLifeIsCreateStartExitDeleteWithTheFieldsContainerdReads() throws Exception {
        CreateTaskRequest request = shim.createRequest("c1", TaskFixture.OWN_PID_NAMESPACE)
                .setStdin("").setStdout("").setTerminal(false).build();
        int pid = shim.service.create(request).getPid();
        assertEquals(pid, shim.start("c1", ""), "Start answers the pid Create did");
        shim.kill("c1", "", 9);
        TaskExit exit = shim.exitOf("c1", "c1");
        DeleteResponse deleted = shim.delete("c1", "");

        assertEquals(INIT_LIFE, shim.events.topics());
        TaskCreate create = (TaskCreate) shim.events.events().get(0).message();
        assertEquals("c1", create.getContainerId());
        assertEquals(request.getBundle(), create.getBundle());
        assertEquals(pid, create.getPid());
        assertFalse(create.getIo().getTerminal());
        TaskStart start = (TaskStart) shim.events.events().get(1).message();
        assertEquals("c1", start.getContainerId());
        assertEquals(pid, start.getPid());
        assertEquals(pid, exit.getPid());
        assertEquals(137, exit.getExitStatus(), "128 + SIGKILL");
        assertTrue(exit.hasExitedAt());
        TaskDelete delete = (TaskDelete) shim.events.events().get(3).message();
        assertEquals("c1", delete.getContainerId());
        assertEquals("", delete.getId(), "unset for an init, as the Go shim leaves it");
        assertEquals(pid, delete.getPid());
        assertEquals(137, delete.getExitStatus());
        assertEquals(exit.getExitedAt(), delete.getExitedAt());
        assertEquals(137, deleted.getExitStatus());
        assertEquals(exit.getExitedAt(), deleted.getExitedAt());
    }

    /**
     * The fake's runc start returns only once the init has exited and the reaper has taken it (its /proc entry is
     * gone), so the exit is there before Start's answer. Whether the exits thread meets it in the start's window
     * or after the start event went out, /tasks/start must come first and the exit must not be lost.
     */
    @Test
    void anInitThatExitsBeforeStartReturnsStillGivesStartBeforeExit() throws Exception {
        shim.runc.program("c1", "exit 3").startReturnsAfterTheExit();
        int pid = shim.create("c1").getPid();
        shim.start("c1", "");

        assertFalse(FakeRunc.exists(pid), "the init was gone before Start returned");
        TaskExit exit = shim.exitOf("c1", "c1");
        assertEquals(3, exit.getExitStatus());
        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START, Topics.TASK_EXIT), shim.events.topics());
        WaitResponse waited = shim.service.await(WaitRequest.newBuilder().setId("c1").build());
        assertEquals(3, waited.getExitStatus());
        assertEquals(Status.STOPPED, shim.state("c1", "").getStatus());
    }

    @Test
    void anExecsLifeIsAddedStartedExitAndItsDeleteTellsNobody() throws Exception {
        shim.runc.program("e1", "exit 7");
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        int pid = shim.start("c1", "e1");
        TaskExit exit = shim.exitOf("c1", "e1");
        shim.delete("c1", "e1");

        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START, Topics.TASK_EXEC_ADDED, Topics.TASK_EXEC_STARTED,
                Topics.TASK_EXIT), shim.events.topics(), "an exec's delete publishes nothing, as in the Go shim");
        TaskExecAdded added = (TaskExecAdded) shim.events.events().get(2).message();
        assertEquals("c1", added.getContainerId());
        assertEquals("e1", added.getExecId());
        TaskExecStarted started = (TaskExecStarted) shim.events.events().get(3).message();
        assertEquals("c1", started.getContainerId());
        assertEquals("e1", started.getExecId());
        assertEquals(pid, started.getPid());
        assertEquals(pid, exit.getPid());
        assertEquals(7, exit.getExitStatus());
        assertEquals(Status.RUNNING, shim.state("c1", "").getStatus(), "the init runs on");
    }

    /**
     * The Go shim publishes a container's init exit only once its running execs' exits are out (a killed container's
     * processes are reaped in any order; containerd 2.x's shim waits for the execs). Here the init is killed and
     * reaped while its exec still runs: its exit must wait for the exec's.
     */
    @Test
    void anInitsExitComesAfterThoseOfItsRunningExecs() throws Exception {
        int init = shim.create("c1").getPid();
        shim.start("c1", "");
        shim.exec("c1", "e1");
        int exec = shim.start("c1", "e1");
        shim.kill("c1", "", 9);
        FakeRunc.awaitGone(init);
        shim.kill("c1", "e1", 9);
        FakeRunc.awaitGone(exec);
        shim.exitOf("c1", "c1");

        List<String> exits = shim.events.events().stream().filter(e -> e.topic().equals(Topics.TASK_EXIT))
                .map(e -> ((TaskExit) e.message()).getId()).toList();
        assertEquals(List.of("e1", "c1"), exits, "the exec's exit, then the init's");
    }

    @Test
    void anExecThatExitsBeforeRuncExecReturnsStillGivesStartedBeforeExit() throws Exception {
        shim.runc.program("e1", "exit 5").execReturnsAfterTheExit();
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        int pid = shim.start("c1", "e1");

        assertFalse(FakeRunc.exists(pid), "the exec was gone before Start returned");
        assertEquals(5, shim.exitOf("c1", "e1").getExitStatus());
        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START, Topics.TASK_EXEC_ADDED, Topics.TASK_EXEC_STARTED,
                Topics.TASK_EXIT), shim.events.topics());
        assertEquals(5, shim.service.await(WaitRequest.newBuilder().setId("c1").setExecId("e1").build()).getExitStatus());
    }

    @Test
    void theInitsExitComesAfterItsExecsStartedAndTheirExits() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        shim.start("c1", "e1");
        shim.kill("c1", "e1", 15);
        assertEquals(143, shim.exitOf("c1", "e1").getExitStatus(), "128 + SIGTERM");
        shim.kill("c1", "", 9);
        shim.exitOf("c1", "c1");

        assertEquals(List.of(Topics.TASK_CREATE, Topics.TASK_START, Topics.TASK_EXEC_ADDED, Topics.TASK_EXEC_STARTED,
                Topics.TASK_EXIT, Topics.TASK_EXIT), shim.events.topics());
    }

    @Test
    void pauseAndResumeAreTold() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.exec("c1", "e1");
        shim.start("c1", "e1");
        shim.service.pause(PauseRequest.newBuilder().setId("c1").build());
        assertEquals(Status.PAUSED, shim.state("c1", "").getStatus());
        assertEquals(Status.PAUSED, shim.state("c1", "e1").getStatus(), "an exec is frozen with its container");
        shim.service.resume(ResumeRequest.newBuilder().setId("c1").build());
        assertEquals(Status.RUNNING, shim.state("c1", "e1").getStatus());

        List<RecordingPublisher.Event> events = shim.events.events();
        assertEquals(List.of(Topics.TASK_PAUSED, Topics.TASK_RESUMED), shim.events.topics().subList(4, 6));
        assertEquals("c1", ((TaskPaused) events.get(4).message()).getContainerId());
        assertEquals("c1", ((TaskResumed) events.get(5).message()).getContainerId());
    }

    @Test
    void withoutAPidNamespaceOfItsOwnTheContainersOtherProcessesAreKilledWithItsInit() throws Exception {
        shim.service.create(shim.createRequest("c1", TaskFixture.HOST_PID_NAMESPACE).build());
        shim.start("c1", "");
        shim.exec("c1", "e1");
        shim.start("c1", "e1");
        shim.kill("c1", "", 9);
        shim.exitOf("c1", "c1");

        assertEquals(137, shim.exitOf("c1", "e1").getExitStatus(), "runc kill --all took the exec along");
        assertTrue(shim.runc.commandLines().contains(List.of("kill", "--all", "c1", "9")), shim.runc.commandLines().toString());
    }

    @Test
    void aContainerWithItsOwnPidNamespaceIsNotKilledAgainWhenItsInitExits() throws Exception {
        shim.create("c1");
        shim.start("c1", "");
        shim.kill("c1", "", 9);
        shim.exitOf("c1", "c1");
        assertEquals(List.of("create", "start", "kill"), shim.runc.commands());
    }
}
