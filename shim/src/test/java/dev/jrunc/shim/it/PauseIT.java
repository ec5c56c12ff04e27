package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/** Pause and resume: the freezer cgroup, the states, the events, and the transitions containerd refuses. */
@WithPrivateContainerd
class PauseIT {

    @Test
    void pauseFreezesAndResumeThaws(Containerd containerd) throws Exception {
        Path events = containerd.dir().resolve("pause-events.txt");
        Process watcher = containerd.ctrEvents(events);
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "freeze", "sleep", "600").assertOk();
        long init = Procs.taskPid(containerd, "freeze");

        CtrResult resumeRunning = containerd.ctr("task", "resume", "freeze");
        assertNotEquals(0, resumeRunning.exitCode());
        assertTrue(resumeRunning.stderr().contains("cannot resume a running process"), resumeRunning::toString);

        containerd.ctr("task", "pause", "freeze").assertOk();
        assertEquals("PAUSED", Procs.taskStatus(containerd, "freeze"));
        assertEquals("FROZEN", freezerState(init));
        CtrResult pauseTwice = containerd.ctr("task", "pause", "freeze");
        assertNotEquals(0, pauseTwice.exitCode(), pauseTwice::toString);

        containerd.ctr("task", "resume", "freeze").assertOk();
        assertEquals("RUNNING", Procs.taskStatus(containerd, "freeze"));
        assertEquals("THAWED", freezerState(init));

        containerd.ctr("task", "kill", "-s", "SIGKILL", "freeze").assertOk();
        Procs.await("freeze is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "freeze")));
        CtrResult pauseStopped = containerd.ctr("task", "pause", "freeze");
        assertNotEquals(0, pauseStopped.exitCode(), pauseStopped::toString);
        containerd.ctr("task", "rm", "freeze");
        containerd.ctr("container", "rm", "freeze").assertOk();

        Procs.await("the events arrived", () -> Containerd.readFile(events).contains("/tasks/delete"));
        watcher.destroy();
        List<String> topics = Containerd.readFile(events).lines().filter(l -> l.contains("\"freeze\"") && l.contains(" /tasks/"))
                .map(l -> l.substring(l.indexOf(" /tasks/") + 1).split(" ")[0]).toList();
        assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed", "/tasks/exit",
                "/tasks/delete"), topics);
    }

    /** freezer.state of the process's cgroup (v1), or FROZEN/THAWED from cgroup.freeze (v2). */
    static String freezerState(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            String[] parts = line.split(":", 3);
            if (List.of(parts[1].split(",")).contains("freezer")) {
                return Files.readString(Path.of("/sys/fs/cgroup/freezer", parts[2], "freezer.state")).trim();
            }
            if (parts[0].equals("0") && parts[1].isEmpty() && Files.exists(Path.of("/sys/fs/cgroup", parts[2], "cgroup.freeze"))
                    && !Files.exists(Path.of("/sys/fs/cgroup/freezer"))) {
                return Files.readString(Path.of("/sys/fs/cgroup", parts[2], "cgroup.freeze")).trim().equals("1") ? "FROZEN" : "THAWED";
            }
        }
        throw new AssertionError("no freezer cgroup for pid " + pid);
    }
}
