package dev.jrunc.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fixture itself, proven with the Go shim (runtime io.containerd.runc.v2), so that failures of our shim's
 * tests can be trusted to be the shim's.
 */
@WithPrivateContainerd
class PrivateContainerdIT {

    private static final String RUNTIME = Containerd.GO_RUNTIME;

    @Test
    void runsABusyboxContainerThatEchoes(Containerd containerd) {
        CtrResult r = containerd.ctr("run", "--rm", "--runtime", RUNTIME, "--env", Containerd.PATH_ENV,
                "--rootfs", containerd.busyboxRootfs().toString(), "itc1", "echo", "hello");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("hello\n", r.stdout(), r::toString);
        assertFalse(containerd.ctr("task", "ls", "-q").assertOk().stdoutLines().contains("itc1"), "--rm left the task");
        assertFalse(containerd.ctr("containers", "ls", "-q").assertOk().stdoutLines().contains("itc1"),
                "--rm left the container");
    }

    @Test
    void passesStdinAndKeepsStdoutAndStderrApart(Containerd containerd) {
        // `read`, not `cat`: ctr run never closes the container's stdin, so cat would wait forever.
        CtrResult r = containerd.ctrWithStdin("from stdin\n".getBytes(), "run", "--rm", "--runtime", RUNTIME,
                "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), "itc-io",
                "sh", "-c", "read line; echo \"got $line\"; echo to-stderr >&2; exit 3");

        assertEquals(3, r.exitCode(), r::toString);
        assertEquals("got from stdin\n", r.stdout(), r::toString);
        assertTrue(r.stderr().contains("to-stderr"), r::toString);
    }

    @Test
    void envLinesPointCtrAtThePrivateContainerd(Containerd containerd) {
        String script = "eval \"$(bash " + Testkit.privateContainerdScript() + " env " + containerd.dir() + ")\""
                + " && echo \"$CONTAINERD_NAMESPACE\" && ctr version >/dev/null && echo answered";
        CtrResult r = Testkit.run(Duration.ofSeconds(30), Map.of(), "bash", "-c", script);

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(List.of(containerd.namespace(), "answered"), r.stdoutLines(), r::toString);
    }

    @Test
    void refusesToStartASecondContainerdInTheSameFolder(Containerd containerd) {
        CtrResult r = Containerd.script(Map.of(), "start", containerd.dir().toString(), "other");

        assertNotEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("already running"), r::toString);
        assertTrue(containerd.isRunning());
    }

    @Test
    void containersOutliveAKilledContainerdAndAreFoundAgainAfterRestart(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(RUNTIME, "itc-restart", "sleep", "600").assertOk();
        long containerPid = taskPid(containerd, "itc-restart");
        long oldPid = containerd.pid();

        containerd.kill9();

        assertFalse(kit.Procs.alive(oldPid), "containerd survived kill9()");
        assertTrue(kit.Procs.alive(containerPid), "the container died with containerd");
        assertFalse(Testkit.pidsWithCmdlineContaining("-address " + containerd.address()).isEmpty(),
                "the shim died with containerd");

        containerd.restart();

        assertNotEquals(oldPid, containerd.pid());
        assertTrue(containerd.isRunning());
        assertEquals(containerPid, taskPid(containerd, "itc-restart"), "restarted containerd lost the task");
        containerd.ctr("task", "kill", "--signal", "SIGKILL", "itc-restart").assertOk();
        waitFor(() -> containerd.ctr("task", "ls").stdout().contains("STOPPED"), "task to stop");
        containerd.ctr("task", "rm", "itc-restart").assertOk();
        containerd.ctr("containers", "rm", "itc-restart").assertOk();
    }

    @Test
    void followsEventsInTheBackground(Containerd containerd, @TempDir Path tmp) throws Exception {
        Path events = tmp.resolve("events.txt");
        Process p = containerd.ctrEvents(events);   // returns once ctr provably listens

        containerd.runBusybox(RUNTIME, "itc-events", "true").assertOk();

        waitFor(() -> Containerd.readFile(events).contains("/tasks/delete"), "the /tasks/delete event");
        String text = Containerd.readFile(events);
        for (String topic : List.of("/containers/create", "/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete")) {
            assertTrue(text.contains(topic), () -> "no " + topic + " in:\n" + text);
        }
        p.destroy();
    }

    @Test
    void stopOnAFolderThatNeverStartedIsHarmless() throws IOException {
        Path never = Testkit.fixtureRoot().resolve("it-never");
        assertEquals(0, Containerd.script(Map.of(), "stop", never.toString()).exitCode());

        // A partial start: config and namespace written, containerd never launched.
        Files.createDirectories(never.resolve("state"));
        Files.writeString(never.resolve("namespace"), "jrunc-never\n");
        Files.writeString(never.resolve("config.toml"), "version = 2\n");
        CtrResult r = Containerd.script(Map.of(), "stop", never.toString());

        assertEquals(0, r.exitCode(), r::toString);
        assertFalse(Files.exists(never), never + " still exists");
    }

    /**
     * A second fixture, driven through the script directly: a detached container (on a bind mount under the
     * folder, like a bundle's rootfs), then {@code stop}, then nothing of it may be left. Each leftover is first
     * checked to exist before the stop, so that every assertion can fail. With {@code killContainerdFirst}
     * containerd is SIGKILLed before the stop, so the script must clean up without its help.
     */
    @ParameterizedTest(name = "containerd SIGKILLed first: {0}")
    @ValueSource(booleans = {false, true})
    void stopLeavesNothingBehind(boolean killContainerdFirst) throws Exception {
        Path dir = Testkit.fixtureRoot().resolve(killContainerdFirst ? "it-second-k" : "it-second");
        String ns = "jrunc-it2";
        String id = "itc-sleeper";
        String sock = dir.resolve("containerd.sock").toString();
        Path runcState = Path.of("/run/containerd/runc", ns);
        Path shimSocket = Path.of("/run/containerd/s", Testkit.sha256Hex(sock + "/" + ns + "/" + id));
        Path mnt = dir.resolve("mnt");
        try {
            Containerd.script(Map.of(), "start", dir.toString(), ns).assertOk();
            Files.createDirectories(mnt);
            Testkit.run(Duration.ofSeconds(10), Map.of(), "mount", "--bind",
                    Testkit.busyboxRootfs().toString(), mnt.toString()).assertOk();
            ctr(sock, ns, "run", "-d", "--runtime", RUNTIME, "--env", Containerd.PATH_ENV,
                    "--rootfs", mnt.toString(), id, "sleep", "600").assertOk();

            long containerPid = Long.parseLong(ctr(sock, ns, "task", "ls").stdoutLines().stream()
                    .filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow().trim().split("\\s+")[1]);
            List<Path> cgroups = cgroupsOf(containerPid, ns + "/" + id);
            // Preconditions: each thing the stop must remove is really there now.
            assertTrue(kit.Procs.alive(containerPid), "container not running");
            assertFalse(Testkit.pidsWithCmdlineContaining(sock).isEmpty(), "no shim/containerd with " + sock);
            assertTrue(Files.isDirectory(runcState.resolve(id)), "no runc state in " + runcState);
            assertTrue(Files.exists(shimSocket), "no shim socket " + shimSocket);
            assertFalse(kit.Leftovers.mountsUnder(dir).isEmpty(), "no mount under " + dir);
            assertFalse(cgroups.isEmpty(), "container has no cgroup named " + ns + "/" + id);

            if (killContainerdFirst) {
                long pid = Long.parseLong(Files.readString(dir.resolve("containerd.pid")).strip());
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();
                waitFor(() -> !kit.Procs.alive(pid), "containerd to die");
            }
            CtrResult stop = Containerd.script(Map.of(), "stop", dir.toString());

            assertEquals(0, stop.exitCode(), stop::toString);
            assertEquals(List.of(), Testkit.pidsWithCmdlineContaining(dir + "/"), "processes still name " + dir);
            assertFalse(kit.Procs.alive(containerPid), "container process " + containerPid + " survived");
            assertFalse(Files.exists(runcState), runcState + " still exists");
            assertEquals(List.of(), kit.Leftovers.mountsUnder(dir), "mounts left under " + dir);
            assertFalse(Files.exists(dir), dir + " still exists");
            assertFalse(Files.exists(shimSocket), shimSocket + " still exists");
            for (Path cg : cgroups) {
                assertFalse(Files.exists(cg), cg + " still exists");
            }
            CtrResult again = Containerd.script(Map.of(), "stop", dir.toString());
            assertEquals(0, again.exitCode(), () -> "second stop failed: " + again);
        } finally {
            Containerd.script(Map.of(), "stop", dir.toString());
        }
    }

    private static CtrResult ctr(String sock, String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Testkit.containerdTool("ctr"), "--address", sock, "--namespace", ns));
        cmd.addAll(List.of(args));
        return Testkit.run(Containerd.CTR_TIMEOUT, Map.of(), cmd.toArray(String[]::new));
    }

    /** The cgroup folders of a process whose cgroup path ends in {@code suffix} (v1: one per controller; v2: one). */
    private static List<Path> cgroupsOf(long pid, String suffix) throws IOException {
        List<Path> result = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length < 3 || !f[2].endsWith("/" + suffix)) {
                continue;
            }
            String controllers = f[1].isEmpty() ? "" : f[1].startsWith("name=") ? f[1].substring(5) : f[1];
            Path base = Path.of("/sys/fs/cgroup");
            Path p = controllers.isEmpty()
                    ? (Files.isDirectory(base.resolve("unified")) ? base.resolve("unified") : base)
                    : base.resolve(controllers);
            Path cg = p.resolve(f[2].substring(1));
            if (Files.isDirectory(cg)) {
                result.add(cg);
            }
        }
        return result;
    }

    private static long taskPid(Containerd containerd, String id) {
        CtrResult r = containerd.ctr("task", "ls").assertOk();
        return r.stdoutLines().stream()
                .filter(l -> l.startsWith(id + " "))
                .map(l -> Long.parseLong(l.trim().split("\\s+")[1]))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no task " + id + " in: " + r));
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 20 s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
