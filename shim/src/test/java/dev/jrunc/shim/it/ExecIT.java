package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/** {@code ctr task exec} into a container run by our shim, with and without a terminal. */
@WithPrivateContainerd
class ExecIT {
    private static final String ID = "exec-target";

    @BeforeAll
    static void runTarget(Containerd containerd) {
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, ID, "sleep", "600").assertOk();
    }

    @AfterAll
    static void removeTarget(Containerd containerd) {
        containerd.ctr("task", "kill", "-s", "SIGKILL", ID);
        containerd.ctr("task", "rm", "-f", ID);
        containerd.ctr("container", "rm", ID);
    }

    private static CtrResult exec(Containerd containerd, String execId, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("task", "exec", "--exec-id", execId));
        command.addAll(List.of(args));
        return containerd.ctr(command.toArray(String[]::new));
    }

    @Test
    void outputAndExitCode(Containerd containerd) {
        CtrResult r = exec(containerd, "out5", ID, "sh", "-c", "echo from exec; echo to-err >&2; exit 5");
        assertEquals(5, r.exitCode(), r::toString);
        assertEquals("from exec\n", r.stdout(), r::toString);
        assertTrue(r.stderr().contains("to-err"), r::toString);
    }

    @Test
    void workingDirectoryAndUser(Containerd containerd) {
        assertEquals("/tmp\n", exec(containerd, "cwd", "--cwd", "/tmp", ID, "pwd").assertOk().stdout());
        assertEquals("1000\n", exec(containerd, "user", "--user", "1000", ID, "id", "-u").assertOk().stdout());
    }

    @Test
    void stdinReachesTheExec(Containerd containerd) {
        CtrResult r = containerd.ctrWithStdin("to the exec\n".getBytes(), "task", "exec", "--exec-id", "stdin", ID,
                "sh", "-c", "read line; echo \"got $line\"");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("got to the exec\n", r.stdout());
    }

    @Test
    void aDetachedExecKilledBySigtermExitsWith143(Containerd containerd) throws Exception {
        Path events = containerd.dir().resolve("exec-events.txt");
        Process watcher = containerd.ctrEvents(events);   // returns once ctr events is seen to receive
        exec(containerd, "bg", "-d", ID, "sleep", "600").assertOk();
        Procs.await("the detached exec shows in ps", () -> containerd.ctr("task", "ps", ID).stdout().contains("bg"));

        containerd.ctr("task", "kill", "--exec-id", "bg", ID).assertOk();   // SIGTERM
        Procs.await("its /tasks/exit arrives", () -> Containerd.readFile(events).contains("\"id\":\"bg\""));
        watcher.destroy();
        String exit = Containerd.readFile(events).lines().filter(l -> l.contains("/tasks/exit") && l.contains("\"id\":\"bg\""))
                .findFirst().orElseThrow();
        assertTrue(exit.contains("\"exit_status\":143"), exit);
        List<String> topics = Containerd.readFile(events).lines().filter(l -> l.contains("\"bg\""))
                .map(l -> l.substring(l.indexOf(" /tasks/") + 1).split(" ")[0]).toList();
        assertEquals(List.of("/tasks/exec-added", "/tasks/exec-started", "/tasks/exit"), topics);
    }

    @Test
    void aDuplicateExecIdIsRejected(Containerd containerd) {
        exec(containerd, "twice", "-d", ID, "sleep", "30").assertOk();
        CtrResult second = exec(containerd, "twice", ID, "true");
        assertNotEquals(0, second.exitCode(), second::toString);
        assertTrue(second.stderr().contains("already exists"), second::toString);
        containerd.ctr("task", "kill", "-s", "SIGKILL", "--exec-id", "twice", ID);
    }

    @Test
    void execWithATerminal(Containerd containerd) {
        CtrResult r = underScript(containerd, "task exec -t --exec-id tty " + ID + " sh -c 'tty; exit 6'");
        assertEquals(6, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("/dev/pts/"), "the exec has a terminal: " + r);
    }

    @Test
    void runWithATerminal(Containerd containerd) {
        CtrResult r = underScript(containerd, "run --rm -t --runtime " + Containerd.JRUNC_RUNTIME + " --env "
                + Containerd.PATH_ENV + " --rootfs " + containerd.busyboxRootfs() + " tty-run sh -c 'tty; exit 4'");
        assertEquals(4, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("/dev/pts/"), "the container has a terminal: " + r);
    }

    @Test
    void execsDieWithTheirContainer(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "short-lived", "sleep", "600").assertOk();
        exec(containerd, "left-behind", "-d", "short-lived", "sleep", "600").assertOk();
        long execPid = containerd.ctr("task", "ps", "short-lived").stdoutLines().stream()
                .filter(l -> l.contains("left-behind")).map(l -> Long.parseLong(l.trim().split("\\s+")[0]))
                .findFirst().orElseThrow();
        containerd.ctr("task", "kill", "-s", "SIGKILL", "short-lived").assertOk();
        Procs.await("the exec died with its container", () -> !kit.Procs.alive(execPid) || "Z".equals(Procs.state(execPid)));
        Procs.await("short-lived is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "short-lived")));
        containerd.ctr("task", "rm", "short-lived");
        containerd.ctr("container", "rm", "short-lived").assertOk();
        assertFalse(kit.Procs.alive(execPid) && !"Z".equals(Procs.state(execPid)));
    }

    /** ctr needs a terminal of its own for -t: script(1) gives it one. */
    private static CtrResult underScript(Containerd containerd, String ctrArguments) {
        String ctr = "ctr --address " + containerd.address() + " --namespace " + containerd.namespace() + " " + ctrArguments;
        return Testkit.run(Duration.ofSeconds(60), Map.of(), "script", "-qec", ctr, "/dev/null");
    }
}
