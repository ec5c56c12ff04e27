///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/SpawnRunc.java
//SOURCES solution/SpawnRunc.java
//SOURCES exercise/RuncStateStretch.java
//SOURCES solution/RuncStateStretch.java
//DESCRIPTION Lab 01: runc create + runc start from Java; runc exits, the container does not.
package lab01_spawn_runc;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.Runc;
import kit.Lab;
import kit.Out;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;
import kit.Sh;

/**
 * Lab 01: start a container from Java the way the shim does: every runc call a short-lived process, started through
 * posix_spawn ({@code Spawn}) and waited for by the shim's {@link Reaper}, with runc's own complaints in a JSON log.
 *
 * <p>{@code runc create} sets the container up and exits, leaving the container's init blocked; {@code runc start}
 * lets it run and exits too. runc never stays. So whose child is the container? Not ours. And when runc fails, its
 * reason is in its log, not in its exit status: your code must say it, as the shim's {@link Runc} does.
 */
public final class Lab01 {
    static final String ID = "jrunc-lab01";
    static final String MISSING_PROGRAM = "/no/such/program";

    /** What the lab hands your code: the runc program to run (its path), its state folder (--root), and the Reaper. */
    public record RuncSetup(String runc, String root, Reaper reaper) {
    }

    /** What you write in exercise/SpawnRunc.java: the two runc calls of the shim's Create and Start. */
    public interface Exercise {
        /**
         * {@code runc create}: container {@code id} from {@code bundle}; the init's pid goes to {@code pidFile}; its
         * stdin is /dev/null, its stdout and stderr are {@code output}. Returns once runc has exited; throws, with
         * runc's own reason, when runc failed.
         */
        void create(RuncSetup runc, String id, Path bundle, Path pidFile, int output) throws Exception;

        /** {@code runc start}: the waiting init runs the container's command. Throws with runc's reason when it fails. */
        void start(RuncSetup runc, String id, Path bundle) throws Exception;
    }

    /** What {@code runc state} says about a container: its status (created, running, paused, stopped) and init pid. */
    public record ContainerState(String status, int pid) {
    }

    /** The stretch, in exercise/RuncStateStretch.java. */
    public interface Stretch {
        /** {@code runc state id}, parsed. Throws, with runc's own reason, when runc fails. */
        ContainerState state(RuncSetup runc, String id, Path bundle) throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("01", "spawn runc", "labs/lab01_spawn_runc/exercise/SpawnRunc.java", args, Lab01::spawnRunc));
    }

    static void spawnRunc(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab01_spawn_runc.solution.SpawnRunc() : new lab01_spawn_runc.exercise.SpawnRunc();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();   // Runc logs each call; this lab prints its own lines
        int self = lab.pid(Posix.getpid());

        lab.step("1. A bundle");
        lab.say("runc runs an OCI bundle: a folder with config.json (what to run, in which namespaces, with which root",
                "filesystem). `runc spec` writes a default one; we set the command and point the root at a busybox rootfs.");
        Path bundle = RuncBundle.create(lab, "bundle", List.of("sh", "-c",
                "echo \"hello from pid $$, inside the container\"; echo 'and this went to stderr' >&2; exec sleep 600"));
        out.command("runc spec --bundle " + bundle + "    (then: process.args, root.path, terminal false)");
        lab.say("The command: sh -c 'echo \"hello from pid $$, inside the container\"; echo 'and this went to stderr' >&2; exec sleep 600'");

        Reaper reaper = Reaper.start();
        Sh.useReaper(reaper);
        ConcurrentLinkedQueue<Exit> strangers = new ConcurrentLinkedQueue<>();
        reaper.subscribe(strangers::add);      // exits of children the Reaper did not start
        String root = RuncBundle.runcRoot(lab);
        RuncSetup setup = new RuncSetup(Runc.resolve(RuncBundle.RUNC), root, reaper);
        Runc runc = new Runc(reaper, RuncBundle.RUNC, root, bundle, false);
        lab.cleanup("runc kill + runc delete --force " + ID, () -> {
            try {
                runc.kill(ID, Posix.SIGKILL, false);
            } catch (Exception alreadyGone) {
                // nothing to kill
            }
            runc.delete(ID, true);
        });
        Path pidFile = bundle.resolve("init.pid");
        Path output = bundle.resolve("output.txt");
        Path log = bundle.resolve("log.json");

        lab.step("2. runc create: your create()");
        lab.say("Your create() builds this command line, has the Reaper start it (posix_spawn) and waits for its exit:",
                "  runc --root " + root + " --log " + log + " --log-format json \\",
                "       create --bundle " + bundle + " --pid-file " + pidFile + " " + ID);
        long t0 = System.nanoTime();
        call(lab, strangers, "create(\"" + ID + "\")", () -> {
            int fd = openOutput(output);
            try {
                yours.create(setup, ID, bundle, pidFile, fd);
            } finally {
                Posix.close(fd);
            }
            return null;
        });
        long millis = (System.nanoTime() - t0) / 1_000_000;
        List<Integer> stillRunning = Procs.withArguments("--root", root);
        if (!stillRunning.isEmpty()) {
            throw lab.fail("create() returns once runc has exited", "no runc running with --root " + root,
                    "runc still runs (pid " + stillRunning + "): wait for its exit (Reaper.Child.await)");
        }
        if (!Files.exists(pidFile)) {
            throw lab.fail("runc create leaves the container's init behind, its pid in init.pid",
                    "a pid in " + pidFile + " (runc writes it when create succeeds)", "there is no " + pidFile);
        }
        if (!Files.exists(log)) {
            throw lab.fail("runc logs to the bundle's log.json, in JSON", "a file " + log + " (runc's --log and --log-format json)",
                    "there is none: runc wrote its log to its stderr, which is the container's output");
        }
        int init = lab.pid(Integer.parseInt(Files.readString(pidFile).trim()));
        lab.passed("runc create exited after " + Out.millis(millis) + "; the container's init is pid " + init + ".");
        out.command("runc --root " + root + " list");
        out.outputTable(Sh.run(RuncBundle.RUNC, "--root", root, "list").stdout());
        Procs.Proc created = Procs.read(init);
        lab.check(created != null && created.comm().startsWith("runc:[2:INIT]"),
                "The init waits, still running runc's own code: its name is " + (created == null ? "(gone)" : created.comm()) + ".",
                "It holds the namespaces and cgroups runc made, and waits on a FIFO in runc's state folder",
                "(exec.fifo) until `runc start` says go. That is the `created` state. The picture shows `runc init`:",
                "ps's COMMAND is the process's arguments, while its name (comm, as in lab 00) is what runc set.");
        int adopter = lab.pid(Procs.ppid(init));
        lab.show(tree("After runc create", self, adopter, init));

        lab.step("3. runc start: your start()");
        lab.say("Your start(): runc --root " + root + " --log " + log + " --log-format json start " + ID);
        call(lab, strangers, "start(\"" + ID + "\")", () -> {
            yours.start(setup, ID, bundle);
            return null;
        });
        // runc start returns once it has told the init to go: runc's state says so at once, before the init
        // has exec'd the command. So: ask runc, then wait for the exec (sh echoes, then execs sleep).
        String state = Sh.run(RuncBundle.RUNC, "--root", root, "state", ID).stdout();
        if (!state.contains("\"status\": \"running\"")) {
            throw lab.fail("After runc start, the init runs the container's command",
                    "runc state says \"running\", and pid " + init + " runs `sleep 600` (the command in config.json)",
                    "runc state says " + state.replaceAll("(?s).*\"status\": \"([a-z]+)\".*", "$1")
                            + ": runc start was not called, or failed");
        }
        lab.await("pid " + init + " runs sleep 600 (after sh has echoed)", () -> Procs.settled(init, "sleep"));
        out.command("runc --root " + root + " list");
        out.outputTable(Sh.run(RuncBundle.RUNC, "--root", root, "list").stdout());
        out.command("cat " + output);
        String printed = Files.readString(output);
        out.output(printed);
        if (!printed.contains("and this went to stderr")) {
            throw lab.fail("The container's stderr goes to the fd create() was given, like its stdout",
                    "both lines in " + output, "only: " + printed.trim()
                            + " (the init keeps the stdio runc create was given: runc's stderr must be `output` too; runc's"
                            + " reason for a failure is in log.json)");
        }
        lab.check(Procs.alive(init), "runc has exited; the container runs on (pid " + init + ", `" + Procs.read(init).command() + "`).",
                "Inside its own pid namespace the container's first process is pid 1; outside it is pid " + init + ".",
                "runc create handed the init its own stdio: the fd you gave it, for stdout and stderr both.");

        lab.step("4. Whose child is the container now?");
        int parent = lab.pid(Procs.ppid(init));
        lab.show(tree("After runc start", self, parent, init));
        lab.check(parent != self, "The container is NOT our child: its parent is pid " + parent + ", not this lab (pid " + self + ").",
                "runc create forked the init and exited; an orphan goes to the nearest \"child subreaper\" above it,",
                "or to pid 1. Nobody here will collect the container's exit status, nobody can report it to",
                "containerd: that is the shim's job, and lab 03 (subreaper) gets the container back.");

        lab.step("5. When runc fails");
        lab.say("A second bundle, whose command does not exist: " + MISSING_PROGRAM + ". runc create checks the",
                "command before it returns, so it is create that fails, with exit status 1. containerd shows the shim's",
                "error to the user (ctr run prints it): \"exit status 1\" tells nobody anything, runc's reason does.");
        Path broken = RuncBundle.create(lab, "broken", List.of(MISSING_PROGRAM));
        Path brokenLog = broken.resolve("log.json");
        Path brokenOutput = broken.resolve("output.txt");
        lab.cleanup("runc delete --force broken (if it was created)", () -> {
            try {
                new Runc(reaper, RuncBundle.RUNC, root, broken, false).delete("broken", true);
            } catch (Exception nothingThere) {
                // runc removed it itself when create failed
            }
        });
        String reason = expectFailure(lab, strangers, "create(\"broken\")", brokenLog, () -> {
            int fd = openOutput(brokenOutput);
            try {
                yours.create(setup, "broken", broken, broken.resolve("init.pid"), fd);
            } finally {
                Posix.close(fd);
            }
        });
        out.command("cat " + brokenLog);
        out.output(Files.readString(brokenLog).trim());
        out.command("cat " + brokenOutput + "    # the container's output");
        out.output(Files.readString(brokenOutput).trim());
        lab.passed("Your create() threw with runc's own reason, from the last error in log.json.",
                "runc also printed it on its stderr, which is the container's: in the shim, the container's stdout and",
                "stderr go to the client (ctr, the kubelet's container log), not to the shim. log.json is runc's channel",
                "to the shim alone.");

        lab.say("Once more with the same bundle, this time under the id of the container that runs (" + ID + "):");
        String second = expectFailure(lab, strangers, "create(\"" + ID + "\") from the broken bundle", brokenLog, () -> {
            int fd = openOutput(brokenOutput);
            try {
                yours.create(setup, ID, broken, broken.resolve("init.pid"), fd);
            } finally {
                Posix.close(fd);
            }
        });
        lab.check(!second.equals(reason), "A second failure, a second reason: this call's error, not the first one's.",
                "runc appends to log.json: the shim remembers the file's length before each call and reads only",
                "what that call added (Runc.lastError).");

        lab.stretch("what runc says about a container", "labs/lab01_spawn_runc/exercise/RuncStateStretch.java",
                (stretchLab, solution) -> runcState(stretchLab, solution
                        ? new lab01_spawn_runc.solution.RuncStateStretch() : new lab01_spawn_runc.exercise.RuncStateStretch(),
                        setup, runc, bundle, init, strangers));
    }

    /** The stretch: runc state, parsed; the shim's State call and its restart logic ask the same. */
    private static void runcState(Lab lab, Stretch yours, RuncSetup setup, Runc runc, Path bundle, int init,
                                  ConcurrentLinkedQueue<Exit> strangers) throws Exception {
        Out out = lab.out();
        lab.say("`runc state <id>` prints the container's state as JSON on stdout (errors, as always, in the log).",
                "containerd's Go shim asks it on every State call (Init.Status in its process package, where \"does not",
                "exist\" reads as stopped); the jrunc shim keeps each process's status in its own state machine instead.");
        ContainerState running = call(lab, strangers, "state(\"" + ID + "\")", () -> yours.state(setup, ID, bundle));
        expectState(lab, running, new ContainerState("running", init), "the container runs");
        out.say("  state(\"" + ID + "\") = " + running);

        out.command("runc --root " + setup.root() + " kill " + ID + " KILL");
        runc.kill(ID, Posix.SIGKILL, false);
        lab.await("the container's init " + init + " is dead", () -> !Procs.alive(init));
        ContainerState stopped = call(lab, strangers, "state(\"" + ID + "\")", () -> yours.state(setup, ID, bundle));
        expectState(lab, stopped, new ContainerState("stopped", 0), "the init is dead (its pid is not reported any more)");
        out.say("  state(\"" + ID + "\") = " + stopped);

        String missing = expectFailure(lab, strangers, "state(\"nonesuch\")", bundle.resolve("log.json"),
                () -> yours.state(setup, "nonesuch", bundle));
        lab.passed("state() reads runc's JSON on stdout, and says runc's reason when there is none (" + missing + ").",
                "Two channels, as in every runc call of the shim: what runc answers on stdout, why it failed in the log.");
    }

    private static void expectState(Lab lab, ContainerState theirs, ContainerState expected, String when) {
        if (!expected.equals(theirs)) {
            throw lab.fail("state() says what runc state says when " + when, String.valueOf(expected), String.valueOf(theirs));
        }
    }

    /**
     * Runs a call that must fail: it must throw, and its message must hold runc's reason, which the lab reads
     * itself from the last error line this call added to the log.
     */
    private static String expectFailure(Lab lab, ConcurrentLinkedQueue<Exit> strangers, String call, Path log,
                                        Failing body) throws Exception {
        long before = Files.exists(log) ? Files.size(log) : 0;
        Exception thrown = call(lab, strangers, call, () -> {
            try {
                body.run();
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        String reason = lastError(log, before);
        if (reason == null) {
            throw new Lab.CannotRun("runc wrote no error to " + log + " for " + call + "; this runc behaves unlike runc 1.1");
        }
        if (thrown == null) {
            throw lab.fail(call + " throws when runc fails", "an exception saying: " + reason,
                    "it returned normally, and runc's failure went unnoticed (runc exited 1; log.json says why)");
        }
        String message = String.valueOf(thrown.getMessage());
        if (!message.contains(reason)) {
            throw lab.fail(call + " throws with runc's own reason", "a message with: " + reason
                            + " (the \"msg\" of the last \"level\":\"error\" line runc added to " + log + ")",
                    thrown.getClass().getSimpleName() + ": " + message);
        }
        lab.out().say("  " + call + " threw: " + Out.vary(message, reason));
        return reason;
    }

    private interface Failing {
        void run() throws Exception;
    }

    /**
     * Runs your code on another thread, within a minute, and checks how it started runc: through the Reaper,
     * never ProcessBuilder (whose own reaper thread would race ours for every exit status, lab 04).
     */
    private static <T> T call(Lab lab, ConcurrentLinkedQueue<Exit> strangers, String call, Callable<T> body) throws Exception {
        boolean jdkReaperBefore = jdkReaperRuns();
        strangers.clear();
        FutureTask<T> task = new FutureTask<>(body);
        Thread thread = new Thread(task, "your-code");
        thread.setDaemon(true);
        thread.start();
        T result;
        try {
            result = task.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw lab.fail(call + " returns once runc has exited", "a return within seconds",
                    "still running after 60 s: does it wait for something that never comes?");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;      // yours, with its own stack trace: the lab reports the line it came from
            }
            throw e;
        }
        if (!jdkReaperBefore && jdkReaperRuns()) {
            throw lab.fail(call + " starts runc through the shim's Reaper", "Reaper.spawn(Spawn.of(…)), as Runc does",
                    "the JDK's \"process reaper\" thread started: ProcessBuilder or Runtime.exec was used, and its waitpid"
                            + " races the Reaper's waitpid(-1) for runc's exit status (lab 04 shows the loss)");
        }
        if (!strangers.isEmpty()) {
            throw lab.fail(call + " starts runc through the shim's Reaper", "Reaper.spawn(Spawn.of(…)), which registers the pid first",
                    "the Reaper reaped pid " + strangers.peek().pid() + ", a child it did not start: a runc started by Spawn.start()"
                            + " alone, whose exit status your code then could not get, or got by luck");
        }
        return result;
    }

    private static boolean jdkReaperRuns() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("process reaper"));
    }

    private static int openOutput(Path file) throws Exception {
        return Posix.open(file.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND | Posix.O_CLOEXEC, 0644);
    }

    /** The msg of the last "level":"error" line after {@code offset}: what the shim's Runc quotes. */
    private static String lastError(Path log, long offset) throws Exception {
        if (!Files.exists(log)) {
            return null;
        }
        byte[] all = Files.readAllBytes(log);
        String added = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset), StandardCharsets.UTF_8);
        String reason = null;
        for (String line : added.split("\n")) {
            if (!line.isBlank() && Json.parse(line) instanceof Map<?, ?> entry && "error".equals(entry.get("level"))) {
                reason = String.valueOf(entry.get("msg"));
            }
        }
        return reason;
    }

    private static ProcessTree tree(String title, int self, int adopter, int init) {
        ProcessTree tree = ProcessTree.titled(title).init();
        if (adopter != 1) {
            tree.show(adopter, Kind.INIT, "adopts orphans");
        }
        return tree.show(self, Kind.LAB, "this lab", "java … lab01_spawn_runc.Lab01")
                .show(init, Kind.CONTAINER, "container init");
    }
}
