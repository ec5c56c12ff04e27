package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Drill: a process's output races its own exit, and must never lose. A container that prints and exits at once
 * sets two things going in the shim: its bytes travel pipe → pump → the client's FIFO, and its exit travels reaper →
 * Wait/TaskExit → containerd → the client. containerd 1.6's client closes its FIFOs as soon as it has the exit
 * ({@code ctr run --rm}: task.Delete closes the IO before it waits for it), so output still on its way is gone:
 * once, {@code ctr run --rm … echo churn-188} exited 0 and printed nothing. The shim must have handed every byte
 * the process wrote to the client's FIFO before the exit can be seen.
 *
 * <p>The drill makes the race likely: several clients at once, {@code ctr run --rm} and {@code ctr task exec}, of
 * processes that print a few bytes (to stdout or stderr) or a few hundred KiB and exit the instant they have
 * written, under both runtimes, with every core kept busy by {@code sha256sum /dev/zero} ({@link CpuLoad}). Every
 * output is compared byte for byte; the drill counts the lost ones, which must be zero. The third test makes the
 * race happen on purpose: the shim's test-only hook {@code JRUNC_TEST_HOLD_OUTPUT_MILLIS} has every output pump
 * hold each chunk for a second before writing it on, so each exit comes first unless the shim waits for its output.
 *
 * <p>Sizes: {@code JRUNC_DRILL_OUTPUTS} (300 shared-mode lifecycles), {@code JRUNC_DRILL_OUTPUTS_PER_POD} (40),
 * {@code JRUNC_DRILL_OUTPUTS_EXECS} (80 per runtime), {@code JRUNC_DRILL_OUTPUTS_PARALLEL} (4 clients at once),
 * {@code JRUNC_DRILL_LOAD} (burners; one per core by default). {@code ./verify.sh soak} runs 5,000 and 1,000.
 */
@WithPrivateContainerd(name = "it-drill-outputs", namespace = "drill-outputs")
class DrillOutputsIT {
    private static final String SHARED = "io.containerd.jrunc-shared.v2";
    private static final String HOLD_VARIABLE = "JRUNC_TEST_HOLD_OUTPUT_MILLIS";
    private static final String HOLD_MILLIS = "1000";
    /** Generous: under load, with a JVM starting per lifecycle; it only guards against a hang. */
    private static final Duration PATIENCE = Duration.ofSeconds(180);

    @Test
    void sharedShimLosesNoOutput(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("outputs-shared");
        Tally tally = drive(containerd, SHARED, "s", DrillKnobs.outputsShared(), DrillKnobs.outputsExecs(),
                DrillKnobs.outputsParallel(), DrillKnobs.load());
        tally.report(report, "shared shim (" + SHARED + ")");
        assertEquals(1, Procs.shims(containerd, "containerd-shim-jrunc-shared-v2").size(), "one shared shim served them all");
        tally.assertNothingLost();
    }

    @Test
    void perPodShimsLoseNoOutput(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("outputs-per-pod");
        Tally tally = drive(containerd, Containerd.JRUNC_RUNTIME, "p", DrillKnobs.outputsPerPod(),
                DrillKnobs.outputsExecs(), DrillKnobs.outputsParallel(), DrillKnobs.load());
        tally.report(report, "per-pod shims (" + Containerd.JRUNC_RUNTIME + ")");
        Procs.await("every per-pod shim has exited", () -> Procs.shims(containerd).isEmpty());
        tally.assertNothingLost();
    }

    /**
     * The race on purpose: with the hook, the pump copies a process's output a second after reading it, so the exit
     * comes first every time — unless the shim holds the exit back until the output is in the client's FIFO.
     */
    @Test
    void outputHeldBackInThePumpStillArrivesBeforeTheExit() throws Exception {
        DrillReport report = DrillReport.start("outputs-held");
        Containerd held = Containerd.start(Testkit.fixtureRoot().resolve("it-drill-outputs-held"), "drill-held", false,
                Map.of(HOLD_VARIABLE, HOLD_MILLIS));
        try {
            List<Tally> tallies = new ArrayList<>();
            for (String runtime : List.of(SHARED, Containerd.JRUNC_RUNTIME)) {
                Tally tally = drive(held, runtime, runtime.equals(SHARED) ? "hs" : "hp", 3, 3, 3, 0);
                tally.report(report, runtime + ", every output chunk held " + HOLD_MILLIS + " ms by the hook");
                tallies.add(tally);
            }
            tallies.forEach(Tally::assertNothingLost);
        } finally {
            held.stop();
        }
    }

    // --- one round of clients --------------------------------------------------------------------------------

    /**
     * {@code lifecycles} × {@code ctr run --rm} and {@code execs} × {@code ctr task exec} into one container, of the
     * three kinds in turn, {@code parallel} at a time, with {@code burners} busy cores; then checks nothing is left.
     */
    private static Tally drive(Containerd containerd, String runtime, String prefix, int lifecycles, int execs,
                               int parallel, int burners) throws Exception {
        Path fifos = Files.createDirectories(containerd.dir().resolve("fifo"));
        String target = prefix + "-target";
        containerd.ctr("run", "-d", "--runtime", runtime, "--fifo-dir", fifos.toString(), "--env", Containerd.PATH_ENV,
                "--rootfs", containerd.busyboxRootfs().toString(), target, "sleep", "3600").assertOk();
        if (!holdOf(containerd).isEmpty()) {
            assertHookReachedTheShim(containerd, runtime);
        }
        List<Callable<Outcome>> clients = new ArrayList<>();
        for (int i = 1; i <= Math.max(lifecycles, execs); i++) {
            Kind kind = Kind.values()[i % Kind.values().length];
            if (i <= lifecycles) {
                String id = prefix + "-run-" + i;
                clients.add(() -> Outcome.of("run", kind, id, containerd.ctr(PATIENCE, concat(List.of("run", "--rm",
                        "--runtime", runtime, "--fifo-dir", fifos.toString(), "--env", Containerd.PATH_ENV, "--rootfs",
                        containerd.busyboxRootfs().toString(), id), kind.command(id)))));
            }
            if (i <= execs) {
                String id = prefix + "-exec-" + i;
                clients.add(() -> Outcome.of("exec", kind, id, containerd.ctr(PATIENCE, concat(List.of("task", "exec",
                        "--fifo-dir", fifos.toString(), "--exec-id", id, target), kind.command(id)))));
            }
        }
        long started = System.nanoTime();
        List<Outcome> outcomes;
        boolean loadHeld;
        try (CpuLoad load = CpuLoad.start(burners)) {
            outcomes = runAll(clients, parallel);
            loadHeld = load.allAlive();
        } finally {
            containerd.ctr("task", "kill", "-s", "SIGKILL", target);
            Procs.await(target + " has stopped", () -> !"RUNNING".equals(Procs.taskStatus(containerd, target)));
            containerd.ctr("task", "rm", target);
            containerd.ctr("container", "rm", target);
        }
        long millis = DrillReport.millisSince(started);
        assertTrue(loadHeld, "the CPU burners ran throughout");
        assertEquals(List.of(), containerd.ctr("container", "ls", "-q").stdoutLines(), "every container is removed");
        Procs.await("no FIFO is left in " + fifos, () -> countFiles(fifos) == 0);
        return new Tally(outcomes, lifecycles, execs, parallel, burners, millis);
    }

    private static void assertHookReachedTheShim(Containerd containerd, String runtime) {
        String program = SHARED.equals(runtime) ? "containerd-shim-jrunc-shared-v2" : "containerd-shim-jrunc-v2";
        List<Long> shims = Procs.shims(containerd, program);
        assertTrue(!shims.isEmpty(), "a " + program + " runs");
        for (long shim : shims) {
            assertTrue(environment(shim).contains(HOLD_VARIABLE + "=" + HOLD_MILLIS),
                    "the test hook reached shim " + shim + ": " + HOLD_VARIABLE + " is in its environment");
        }
    }

    private static String holdOf(Containerd containerd) {
        long pid = containerd.pid();
        return environment(pid).lines().filter(l -> l.startsWith(HOLD_VARIABLE + "=")).findFirst().orElse("");
    }

    private static String environment(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"))).replace('\0', '\n');
        } catch (IOException e) {
            return "";
        }
    }

    // --- what a client runs and should get back ------------------------------------------------------------------

    /** What the process prints, and where. Each exits the moment its last byte is written. */
    enum Kind {
        /** A few bytes on stdout: {@code echo ID}. */
        SMALL(id -> List.of("echo", id), id -> id + "\n", id -> ""),
        /** A few bytes on stderr, from a shell builtin. */
        STDERR(id -> List.of("sh", "-c", "echo " + id + " >&2"), id -> "", id -> id + "\n"),
        /** 348,894 bytes on stdout, in busybox stdio's 4 KiB writes: more than the pipe and the FIFO hold together. */
        LARGE(id -> List.of("seq", "1", "60000"), id -> Sequence.TEXT, id -> "");

        private final Function<String, List<String>> command;
        private final Function<String, String> stdout;
        private final Function<String, String> stderr;

        Kind(Function<String, List<String>> command, Function<String, String> stdout, Function<String, String> stderr) {
            this.command = command;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        List<String> command(String id) {
            return command.apply(id);
        }
    }

    /** {@code seq 1 60000}'s output, computed here. */
    private static final class Sequence {
        static final String TEXT = IntStream.rangeClosed(1, 60_000).mapToObj(n -> n + "\n").collect(Collectors.joining());
    }

    /** One client's result: {@code ok}, {@code failed} (ctr did not exit 0), or {@code lost} (exit 0, output not all there). */
    private record Outcome(String client, Kind kind, String id, CtrResult result, String verdict) {
        static Outcome of(String client, Kind kind, String id, CtrResult result) {
            String verdict;
            if (result.exitCode() != 0) {
                verdict = "failed";
            } else if (!result.stdout().equals(kind.stdout.apply(id)) || !result.stderr().equals(kind.stderr.apply(id))) {
                verdict = "lost";
            } else {
                verdict = "ok";
            }
            return new Outcome(client, kind, id, result, verdict);
        }

        String summary() {
            return client + " " + id + " (" + kind + "): exit " + result.exitCode() + ", stdout " + result.stdout().length()
                    + " of " + kind.stdout.apply(id).length() + " bytes, stderr " + result.stderr().length() + " of "
                    + kind.stderr.apply(id).length() + (result.exitCode() != 0 ? "\n" + abbreviated(result.toString()) : "");
        }

        private static String abbreviated(String text) {
            return text.length() <= 2000 ? text : text.substring(0, 2000) + "…";
        }
    }

    private record Tally(List<Outcome> outcomes, int lifecycles, int execs, int parallel, int burners, long millis) {
        long count(String client, String verdict) {
            return outcomes.stream().filter(o -> o.client().equals(client) && o.verdict().equals(verdict)).count();
        }

        long count(String verdict) {
            return outcomes.stream().filter(o -> o.verdict().equals(verdict)).count();
        }

        void report(DrillReport report, String what) {
            report.line("%s: %d ctr run --rm and %d ctr task exec, %d at once, %d CPU burners, in %d ms", what,
                    lifecycles, execs, parallel, burners, millis);
            report.line("  lost outputs: %d of %d runs, %d of %d execs; failed: %d runs, %d execs",
                    count("run", "lost"), lifecycles, count("exec", "lost"), execs, count("run", "failed"), count("exec", "failed"));
            outcomes.stream().filter(o -> !o.verdict().equals("ok")).limit(5)
                    .forEach(o -> report.line("  %s: %s", o.verdict(), o.summary().lines().findFirst().orElse("")));
        }

        void assertNothingLost() {
            String examples = outcomes.stream().filter(o -> !o.verdict().equals("ok")).limit(3).map(Outcome::summary)
                    .collect(Collectors.joining("\n"));
            assertEquals(0, count("lost"), "outputs lost (exit 0, output missing or cut short):\n" + examples);
            assertEquals(0, count("failed"), "clients that failed:\n" + examples);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static List<Outcome> runAll(List<Callable<Outcome>> clients, int parallel) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> future : pool.invokeAll(clients)) {
                outcomes.add(future.get());
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String[] concat(List<String> first, List<String> second) {
        return Stream.concat(first.stream(), second.stream()).toArray(String[]::new);
    }

    private static long countFiles(Path dir) {
        try (Stream<Path> entries = Files.walk(dir)) {
            return entries.filter(p -> !Files.isDirectory(p)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
