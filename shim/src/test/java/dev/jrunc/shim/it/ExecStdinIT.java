package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * An exec'd process with stdin, through {@code ctr task exec}, under the Go shim and under ours (per-pod and shared)
 * on the same containerd: the same exit status and output, and nothing left behind.
 *
 * <p>How the stdin of an exec ends: ctr copies its own stdin into the exec's stdin FIFO; at end of file it sends
 * CloseIO, then closes its writer. The shim holds a writer of its own on that FIFO (so that a client going away and
 * coming back is no end of file); CloseIO drops it, and when the client's writer is gone too the process reads end of
 * file. ctr's copy starts before Exec is even sent, so its writes land as soon as the shim has the FIFO open — ours
 * opens it before {@code runc exec}, the Go shim after — and its CloseIO can come while Start is still in runc. A
 * CloseIO dropped then leaves the process reading for ever, and ctr with it.
 *
 * <p>Each container's init is {@code sh -c 'read line'}: blocked reading its own stdin (which its shim holds open), it
 * never waits for a child — the worst init for whoever depends on it to reap.
 *
 * <p>Deliberate difference, not tested: {@code ctr task exec … </dev/null}. ctr reads end of file before its Exec
 * has returned and then often sends no CloseIO at all (its stdin closer is set only after Exec): the exec then waits
 * for ever under either shim. When ctr does send it, before Start or during it, ours applies it; the Go shim drops a
 * CloseIO that comes before its Start has opened the stdin FIFO, and hangs too.
 */
@WithPrivateContainerd(name = "it-exec-stdin", namespace = "exec-stdin")
class ExecStdinIT {
    private static final String SHARED = "io.containerd.jrunc-shared.v2";
    /** The Go shim first: the reference every other runtime is compared with. */
    private static final List<String> RUNTIMES = List.of(Containerd.GO_RUNTIME, Containerd.JRUNC_RUNTIME, SHARED);
    /** Each of these returns in well under a second; a shim that drops CloseIO makes ctr wait for ever. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String EXPECTED = "exec-reparenting.txt";
    /** This test's containers: one per runtime, started for it alone, so that one test's leftovers fail only it. */
    private String prefix;
    /** Copying threads ({@code stdio-…}) in each of our shims once its target's init runs: stdin and output. */
    private final Map<String, Long> stdioThreadsOfTheInit = new java.util.HashMap<>();

    @BeforeEach
    void startTargets(TestInfo test, Containerd containerd) throws Exception {
        prefix = test.getTestMethod().orElseThrow().getName().replaceAll("[^A-Za-z]", "").substring(0, 8).toLowerCase();
        for (String runtime : RUNTIMES) {
            containerd.ctr("run", "-d", "--runtime", runtime, "--env", Containerd.PATH_ENV, "--rootfs",
                    containerd.busyboxRootfs().toString(), target(runtime), "sh", "-c", "read line").assertOk();
            if (!runtime.equals(Containerd.GO_RUNTIME)) {
                stdioThreadsOfTheInit.put(runtime, stdioThreads(shimOf(containerd, runtime)));
            }
        }
    }

    @AfterEach
    void removeTargets(Containerd containerd) throws Exception {
        for (String runtime : RUNTIMES) {
            containerd.ctr("task", "kill", "-s", "SIGKILL", target(runtime));
        }
        for (String runtime : RUNTIMES) {
            Procs.await(target(runtime) + " has stopped", () -> !"RUNNING".equals(Procs.taskStatus(containerd, target(runtime))));
            containerd.ctr("task", "rm", target(runtime));
            containerd.ctr("container", "rm", target(runtime));
        }
    }

    @Test
    void pipedInputEndsWithTheClientsStdin(Containerd containerd) throws Exception {
        Map<String, Observed> seen = new LinkedHashMap<>();
        for (String runtime : RUNTIMES) {
            seen.put(runtime, Observed.of(exec(containerd, runtime, "piped", "x\n".getBytes(), "cat")));
            assertNothingLeft(containerd, runtime, "piped");
        }
        assertAsTheGoShim(new Observed(0, "x\n", ""), seen);
    }

    @Test
    void aMebibyteOfInputGoesThroughAndComesBack(Containerd containerd) throws Exception {
        byte[] input = mebibyteOfText();
        Map<String, Observed> echoed = new LinkedHashMap<>();
        Map<String, Observed> counted = new LinkedHashMap<>();
        for (String runtime : RUNTIMES) {
            echoed.put(runtime, Observed.of(exec(containerd, runtime, "mib-cat", input, "cat")));
            counted.put(runtime, Observed.of(exec(containerd, runtime, "mib-wc", input, "wc", "-c")));
            assertNothingLeft(containerd, runtime, "mib-cat");
            assertNothingLeft(containerd, runtime, "mib-wc");
        }
        assertAsTheGoShim(new Observed(0, new String(input, StandardCharsets.US_ASCII), ""), echoed);
        assertAsTheGoShim(new Observed(0, "1048576\n", ""), counted);
    }

    @Test
    void severalExecsInARow(Containerd containerd) throws Exception {
        Map<String, List<Observed>> seen = new LinkedHashMap<>();
        for (String runtime : RUNTIMES) {
            List<Observed> row = new ArrayList<>();
            for (int n = 1; n <= 5; n++) {
                row.add(Observed.of(exec(containerd, runtime, "row-" + n, ("line " + n + "\n").getBytes(),
                        "sh", "-c", "read l; echo \"$l back\"; cat; exit " + n)));
                assertNothingLeft(containerd, runtime, "row-" + n);
            }
            seen.put(runtime, row);
        }
        for (int n = 1; n <= 5; n++) {
            Map<String, Observed> execN = new LinkedHashMap<>();
            for (String runtime : RUNTIMES) {
                execN.put(runtime, seen.get(runtime).get(n - 1));
            }
            assertAsTheGoShim(new Observed(n, "line " + n + " back\n", ""), execN);
        }
    }

    /** The client's stdin stays open: the process ends by itself, and ctr returns with its status at once. */
    @Test
    void theProcessMayExitBeforeTheClientClosesStdin(Containerd containerd) throws Exception {
        Map<String, Observed> seen = new LinkedHashMap<>();
        for (String runtime : RUNTIMES) {
            try (HeldStdin client = HeldStdin.start(containerd, "task", "exec", "--fifo-dir", fifoDir(containerd, runtime)
                    .toString(), "--exec-id", "early", target(runtime), "sh", "-c", "read l; echo \"got $l\"; exit 3")) {
                client.write("hello\n".getBytes());
                seen.put(runtime, Observed.of(client.await(PATIENCE)));
            }
            assertNothingLeft(containerd, runtime, "early");
        }
        assertAsTheGoShim(new Observed(3, "got hello\n", ""), seen);
    }

    /**
     * Whose child an exec is. {@code runc exec} starts the process inside the container's pid namespace, but as a
     * child of runc itself (runc's nsexec clones it with CLONE_PARENT), which lives in the shim's namespace. When runc
     * exits, the kernel looks for the new parent among runc's ancestors in runc's namespace: the shim, a subreaper.
     * When a process <em>inside</em> the container is orphaned, the search stops at the namespace's edge: its new
     * parent is the namespace's init, the container's — which here never waits, so the orphan stays a zombie. The
     * same under either shim: it is the kernel's rule.
     */
    @Test
    void theExecIsTheShimsChildAndItsOrphansTheInits(Containerd containerd) throws Exception {
        List<String> transcript = new ArrayList<>();
        for (String runtime : RUNTIMES) {
            String target = target(runtime);
            long init = Procs.taskPid(containerd, target);
            long shim = Procs.ppid(init);
            assertTrue(kit.Procs.arguments(shim).get(0).contains("containerd-shim"), "the init's parent is its shim");

            CtrResult orphaning = exec(containerd, runtime, "orphaning", "x\n".getBytes(), "sh", "-c", "true & exit 0");
            assertEquals(0, orphaning.exitCode(), orphaning::toString);
            List<Long> zombies = new ArrayList<>();
            Procs.await("the exec's orphan is a zombie child of " + target + "'s init", () -> {
                zombies.clear();
                Procs.children(init).stream().filter(p -> "Z".equals(Procs.state(p))).forEach(zombies::add);
                return !zombies.isEmpty();
            });

            long exec;
            try (HeldStdin client = HeldStdin.start(containerd, "task", "exec", "--fifo-dir",
                    fifoDir(containerd, runtime).toString(), "--exec-id", "held", target, "cat")) {
                exec = awaitExecPid(containerd, target, "held");
                assertEquals(shim, Procs.ppid(exec), "the exec'd process is its shim's child under " + runtime);
                if (runtime.equals(Containerd.JRUNC_RUNTIME)) {
                    transcript.addAll(reparentingTranscript(shim, init, exec, zombies.get(0)));
                }
                client.write("bye\n".getBytes());
                client.closeStdin();
                assertEquals(new Observed(0, "bye\n", ""), Observed.of(client.await(PATIENCE)), runtime);
            }
            assertNothingLeft(containerd, runtime, "held");
            assertEquals(List.of(), Procs.children(shim).stream().filter(p -> "Z".equals(Procs.state(p))).toList(),
                    "no zombie child of the shim under " + runtime);
        }
        compareWithTheBook(transcript);
    }

    // --- what the workbook shows -----------------------------------------------------------------------------

    /**
     * The lesson in figures: pids renumbered by role, so the text is the same on every run. NSpid is a process's pid
     * in each namespace it is seen from, outermost first: the host's, then the container's.
     */
    private static List<String> reparentingTranscript(long shim, long init, long exec, long orphan) {
        Map<Long, String> names = new LinkedHashMap<>();
        names.put(shim, "<shim>");
        names.put(init, "<init>");
        names.put(exec, "<cat>");
        names.put(orphan, "<orphan>");
        List<String> lines = new ArrayList<>();
        lines.add(command("ctr run -d --runtime io.containerd.jrunc.v2 … target sh -c 'read line'", "an init that never waits"));
        lines.add(command("ctr task exec --exec-id orphaning target sh -c 'true & exit 0'", "exits 0 at once, leaving its child"));
        lines.add(command("ctr task exec --exec-id held target cat", "runs while its stdin is open"));
        lines.add("");
        lines.add(String.format("%-10s %-10s %-6s %-18s %s", "PID", "PPID", "STATE", "NSPID (host, ctr)", "COMMAND"));
        for (Map.Entry<Long, String> process : names.entrySet()) {
            long pid = process.getKey();
            lines.add(String.format("%-10s %-10s %-6s %-18s %s", process.getValue(), names.getOrDefault(Procs.ppid(pid), "…"),
                    Procs.state(pid), nsPids(pid, names), command(pid)));
        }
        return lines;
    }

    private static String command(String line, String comment) {
        return String.format("$ %-70s # %s", line, comment);
    }

    /** The NSpid line, the host pid by its role, the container's pid as is for its init (always 1), else "n". */
    private static String nsPids(long pid, Map<Long, String> names) {
        String line = status(pid).lines().filter(l -> l.startsWith("NSpid:")).findFirst().orElse("NSpid:");
        String[] pids = line.substring("NSpid:".length()).trim().split("\\s+");
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < pids.length; i++) {
            shown.add(i == 0 ? names.get(pid) : pids[i].equals("1") ? "1" : "n");
        }
        return String.join(" ", shown);
    }

    private static String command(long pid) {
        if ("Z".equals(Procs.state(pid))) {
            return "[" + status(pid).lines().findFirst().orElse("Name:\t?").substring("Name:".length()).trim() + "] <defunct>";
        }
        String first = Procs.arguments(pid).stream().collect(Collectors.joining(" "));
        return first.startsWith("containerd-shim-jrunc-v2") ? "containerd-shim-jrunc-v2 -namespace exec-stdin -id target …"
                : first.replace("read line", "'read line'");
    }

    private static String status(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The workbook includes this transcript ({@code docs/src/expected/exec-reparenting.txt}): it must be what a run
     * prints today. {@code UPDATE_BOOK=1} writes it instead (then commit docs/src).
     */
    private static void compareWithTheBook(List<String> transcript) throws IOException {
        Path book = Testkit.shimProject().getParent().resolve("docs/src/expected").resolve(EXPECTED);
        String text = String.join("\n", transcript) + "\n";
        if ("1".equals(System.getenv("UPDATE_BOOK"))) {
            Files.createDirectories(book.getParent());
            Files.writeString(book, text);
        }
        assertEquals(Files.exists(book) ? Files.readString(book) : "(missing)", text,
                "the workbook shows " + book + "; if the change is intended: UPDATE_BOOK=1, run this test again, commit docs/src");
    }

    // --- checks --------------------------------------------------------------------------------------------

    /** The Go shim's exit status and output, under every runtime. */
    /**
     * What the Go shim does, and ours exactly so. One deliberate difference: on a busy machine the Go shim sometimes
     * loses a short exec's whole output (seen with {@code printf 'x\n' | ctr task exec … cat} on containerd 2.1: exit
     * 0, nothing printed) — its exit code must still be the expected one, and ours must not lose a byte.
     */
    private static void assertAsTheGoShim(Observed expected, Map<String, Observed> seen) {
        Observed go = seen.get(Containerd.GO_RUNTIME);
        Observed lostByGo = new Observed(expected.exit(), "", "");
        if (go.equals(lostByGo) && !expected.equals(lostByGo)) {
            System.out.println("(the Go shim lost this exec's output: " + seen + ")");
        } else {
            assertEquals(expected, go, "the Go shim: " + seen);
        }
        for (Map.Entry<String, Observed> entry : seen.entrySet()) {
            if (!entry.getKey().equals(Containerd.GO_RUNTIME)) {
                assertEquals(expected, entry.getValue(), entry.getKey() + " as the Go shim: " + seen);
            }
        }
    }

    /**
     * After an exec is deleted its shim holds none of its FIFOs, and (ours) runs none of its copying threads; no exec
     * is left in the container. (Waited for with a deadline: the copying threads end on their own.)
     */
    private void assertNothingLeft(Containerd containerd, String runtime, String execId) throws InterruptedException {
        String target = target(runtime);
        long shim = shimOf(containerd, runtime);
        Path fifos = fifoDir(containerd, runtime);
        Procs.await("the shim of " + target + " holds no FIFO of exec " + execId, () -> openFiles(shim).stream()
                .noneMatch(f -> f.startsWith(fifos.toString()) && f.matches(".*/" + execId + "-std(in|out|err)")));
        if (!runtime.equals(Containerd.GO_RUNTIME)) {
            long expected = stdioThreadsOfTheInit.get(runtime);
            Procs.await("the shim of " + target + " runs no copying thread of exec " + execId + " (" + expected
                    + " were there before)", () -> stdioThreads(shim) <= expected);
        }
        assertTrue(containerd.ctr("task", "ps", target).stdoutLines().stream().noneMatch(l -> namesExec(l, execId)),
                "exec " + execId + " is gone from " + target);
    }

    /**
     * A line of {@code ctr task ps} for this exec: its INFO column prints the process details as the client's
     * protobuf library does, {@code &ProcessDetails{ExecID:held,}} from ctr 1.6, {@code exec_id:"held"} from 1.7.
     */
    static boolean namesExec(String psLine, String execId) {
        return psLine.contains("ExecID:" + execId + ",") || psLine.contains("exec_id:\"" + execId + "\"");
    }

    private static long awaitExecPid(Containerd containerd, String target, String execId) throws InterruptedException {
        long[] pid = {-1};
        Procs.await("exec " + execId + " runs in " + target, () -> {
            for (String line : containerd.ctr("task", "ps", target).stdoutLines()) {
                if (namesExec(line, execId)) {
                    pid[0] = Long.parseLong(line.trim().split("\\s+")[0]);
                    return true;
                }
            }
            return false;
        });
        return pid[0];
    }

    private static List<String> openFiles(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    return "";
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long shimOf(Containerd containerd, String runtime) {
        return Procs.ppid(Procs.taskPid(containerd, target(runtime)));
    }

    /** The shim's copying threads: the JVM gives the kernel each thread's name (cut to 15 bytes), ours "stdio-…". */
    private static long stdioThreads(long shim) {
        return threadNames(shim).stream().filter(name -> name.startsWith("stdio-")).count();
    }

    private static List<String> threadNames(long pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.map(task -> {
                try {
                    return Files.readString(task.resolve("comm")).strip();
                } catch (IOException gone) {
                    return "";
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- running ctr ---------------------------------------------------------------------------------------

    private CtrResult exec(Containerd containerd, String runtime, String execId, byte[] stdin, String... command) {
        List<String> args = new ArrayList<>(List.of("ctr", "--address", containerd.address(), "--namespace",
                containerd.namespace(), "task", "exec", "--fifo-dir", fifoDir(containerd, runtime).toString(),
                "--exec-id", execId, target(runtime)));
        args.addAll(List.of(command));
        return Testkit.run(PATIENCE, Map.of(), stdin, args.toArray(String[]::new));
    }

    private String target(String runtime) {
        return prefix + (runtime.equals(Containerd.GO_RUNTIME) ? "-go" : runtime.equals(SHARED) ? "-shared" : "-pod");
    }

    private Path fifoDir(Containerd containerd, String runtime) {
        try {
            return Files.createDirectories(containerd.dir().resolve("fifo-" + target(runtime)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exactly 1 MiB of numbered lines: text, so that what comes back can be compared as a string. */
    private static byte[] mebibyteOfText() {
        StringBuilder text = new StringBuilder(1 << 20);
        for (int n = 0; text.length() < (1 << 20); n++) {
            text.append("line ").append(n).append(" of a mebibyte of input\n");
        }
        text.setLength(1 << 20);
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** What a client saw: ctr's exit status and both streams. */
    private record Observed(int exit, String stdout, String stderr) {
        static Observed of(CtrResult result) {
            return new Observed(result.exitCode(), result.stdout(), result.stderr());
        }

        @Override
        public String toString() {
            return "exit " + exit + ", stdout " + (stdout.length() > 80 ? stdout.length() + " bytes" : "\"" + stdout + "\"")
                    + ", stderr \"" + stderr + "\"";
        }
    }

    /** ctr with a stdin the test writes to and closes when it chooses; output to files, as in Testkit.run. */
    private static final class HeldStdin implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final Path err;
        private final List<String> command;

        private HeldStdin(Process process, Path out, Path err, List<String> command) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.command = command;
        }

        static HeldStdin start(Containerd containerd, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of("ctr", "--address", containerd.address(), "--namespace",
                    containerd.namespace()));
            command.addAll(List.of(args));
            Path out = Files.createTempFile("jrunc-out", ".txt");
            Path err = Files.createTempFile("jrunc-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            // Maven may run us with a PATH that lacks the system folders (Testkit.run adds them the same way)
            builder.environment().put("PATH", builder.environment().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin");
            return new HeldStdin(builder.start(), out, err, command);
        }

        void write(byte[] bytes) throws IOException {
            OutputStream stdin = process.getOutputStream();
            stdin.write(bytes);
            stdin.flush();
        }

        void closeStdin() throws IOException {
            process.getOutputStream().close();
        }

        CtrResult await(Duration patience) throws Exception {
            if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("ctr did not return within " + patience.toSeconds() + " s: " + String.join(" ", command)
                        + "\n--- stdout ---\n" + Files.readString(out) + "--- stderr ---\n" + Files.readString(err));
            }
            return new CtrResult(process.exitValue(), Files.readString(out), Files.readString(err), command);
        }

        @Override
        public void close() throws IOException {
            process.getOutputStream().close();
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
