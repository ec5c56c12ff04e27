package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/** A detached container's whole life under our shim, as ctr sees it and as the process tree shows it. */
@WithPrivateContainerd
class LifecycleIT {
    private static final String JRUNC = Containerd.JRUNC_RUNTIME;
    /** pid 1 of a PID namespace ignores SIGTERM unless it handles it; this init exits 143 on SIGTERM. */
    private static final String[] TERMINABLE = {"sh", "-c", "trap 'exit 143' TERM; sleep 600 & wait"};

    @Test
    void runKillDeleteLeavesNothingBehind(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(JRUNC, "life1", TERMINABLE).assertOk();

        assertEquals("RUNNING", Procs.taskStatus(containerd, "life1"));
        long init = Procs.taskPid(containerd, "life1");
        assertTrue(kit.Procs.alive(init), "the task's pid " + init + " is alive");
        long shim = Procs.ppid(init);
        Path socket = containerd.shimSocket("life1");
        assertTrue(Files.exists(socket), "shim socket " + socket);
        Path runcState = Path.of("/run/containerd/runc", containerd.namespace(), "life1");
        assertTrue(Files.isDirectory(runcState), "runc state " + runcState);

        containerd.ctr("task", "kill", "life1").assertOk();   // SIGTERM is ctr's default
        Procs.await("life1 is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "life1")));
        CtrResult rm = containerd.ctr("task", "rm", "life1");
        assertTrue(rm.stderr().contains("exit code 143"), "ctr task rm reports the exit status: " + rm);
        containerd.ctr("container", "rm", "life1").assertOk();

        Procs.await("the shim exits", () -> !kit.Procs.alive(shim) || "Z".equals(Procs.state(shim)));
        assertFalse(Files.exists(socket), "shim socket removed");
        assertFalse(Files.exists(runcState), "runc state removed");
        assertEquals(List.of(), kit.Leftovers.mountsUnder(containerd.stateDir()), "mounts left in the state dir");
        assertEquals(List.of(), Procs.shims(containerd), "shim processes left");
    }

    @Test
    void theShimIsNotContainerdsChildAndTheInitIsTheShims(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(JRUNC, "tree1", "sh", "-c", "sleep 1 & sleep 2 & exec sleep 600").assertOk();
        long init = Procs.taskPid(containerd, "tree1");
        long shim = Procs.ppid(init);

        assertTrue(kit.Procs.arguments(shim).get(0).contains("containerd-shim-jrunc-v2"),
                "the init's parent is our shim: " + kit.Procs.arguments(shim));
        assertNotEquals(containerd.pid(), Procs.ppid(shim), "the shim must not be containerd's child");
        long adopter = Procs.ppid(shim);
        // re-parented when `start` exited: to pid 1, or to the nearest subreaper — the same one that adopted
        // containerd when the fixture's script exited
        assertTrue(adopter == 1 || adopter == Procs.ppid(containerd.pid()),
                "the shim's parent is pid 1 or the nearest subreaper, not " + adopter);
        assertEquals(List.of("containerd-shim-jrunc-v2", "-namespace", containerd.namespace(), "-id", "tree1",
                "-address", containerd.address()), Procs.arguments(shim), "ps shows the shim's own arguments");

        // `exec sleep 600` never waits for the two background sleeps: once they have exited, they are its zombies
        Procs.await("the two background sleeps are zombies of the container's init", () -> {
            List<Long> children = Procs.children(init);
            return children.size() == 2 && children.stream().allMatch(child -> "Z".equals(Procs.state(child)));
        });
        containerd.ctr("task", "kill", "-s", "SIGKILL", "tree1").assertOk();
        Procs.await("tree1 is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "tree1")));
        List<Long> zombies = new ArrayList<>();
        for (long child : Procs.children(shim)) {
            if ("Z".equals(Procs.state(child))) {
                zombies.add(child);
            }
        }
        assertEquals(List.of(), zombies, "zombie children of the shim after the container exited");
        containerd.ctr("task", "rm", "tree1");
        containerd.ctr("container", "rm", "tree1").assertOk();
    }

    @Test
    void theShimsLogReachesContainerdsLogOneLinePerEntry(Containerd containerd) {
        containerd.runBusybox(JRUNC, "logged", "echo", "hi").assertOk();
        containerd.runBusybox(JRUNC, "logged-fail", "/no/such/program");   // an expected failure: no stack trace

        List<String> ours = containerd.log().lines().filter(l -> l.contains("runtime=io.containerd.jrunc.v2")).toList();
        assertTrue(ours.stream().anyMatch(l -> l.contains("level=info") && l.contains("msg=\"runc create --bundle ")
                && l.contains("logged ")), "runc create is logged through the log FIFO: " + ours);
        assertTrue(ours.stream().allMatch(l -> l.startsWith("time=\"")), "every line is one logfmt entry: " + ours);
        assertTrue(containerd.log().lines().noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by")),
                "no stack traces in containerd's log");
    }

    @Test
    void eventsComeInOrder(Containerd containerd) throws Exception {
        Path events = containerd.dir().resolve("events-order.txt");
        Process watcher = containerd.ctrEvents(events);
        containerd.runBusybox(JRUNC, "ev1", "echo", "hi").assertOk();
        Procs.await("/tasks/delete for ev1 arrives", () -> Containerd.readFile(events).contains("/tasks/delete"));
        watcher.destroy();

        List<String> topics = new ArrayList<>();
        for (String line : Containerd.readFile(events).split("\n")) {
            if (line.contains("\"ev1\"") && line.contains(" /tasks/")) {
                topics.add(line.substring(line.indexOf(" /tasks/") + 1).split(" ")[0]);
            }
        }
        assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"), topics);
    }
}
