///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/SpawnRunc.java
//SOURCES solution/SpawnRunc.java
//DESCRIPTION Lab 01: runc create + runc start from Java; runc exits, the container does not.
package lab01_spawn_runc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.jrunc.shim.posix.Posix;
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
 * Lab 01: start a container from Java the way the shim does, with the shim's own {@link Runc} (every runc call is a
 * short-lived process started through posix_spawn and waited for by the shim's {@link Reaper}).
 *
 * <p>{@code runc create} sets the container up and exits, leaving the container's init blocked; {@code runc start}
 * lets it run and exits too. runc never stays. So whose child is the container? Not ours.
 */
public final class Lab01 {
    static final String ID = "jrunc-lab01";

    /** What you write in exercise/SpawnRunc.java. */
    public interface Exercise {
        /** {@code runc create}: the container's init is set up and waits; its pid goes to {@code pidFile}. */
        void create(Runc runc, String id, Path pidFile, int stdout) throws Exception;

        /** {@code runc start}: the waiting init runs the container's command. */
        void start(Runc runc, String id) throws Exception;
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
        Path bundle = RuncBundle.create(lab, "bundle", List.of("sh", "-c", "echo \"hello from pid $$, inside the container\"; exec sleep 600"));
        out.command("runc spec --bundle " + bundle + "    (then: process.args, root.path, terminal false)");
        lab.say("The command: sh -c 'echo \"hello from pid $$, inside the container\"; exec sleep 600'");

        Reaper reaper = Reaper.start();
        Sh.useReaper(reaper);
        String root = RuncBundle.runcRoot(lab);
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
        Path stdout = bundle.resolve("stdout.txt");
        int stdoutFd = Posix.open(stdout.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND | Posix.O_CLOEXEC, 0644);

        lab.step("2. runc create: your create()");
        lab.say("Runc.create runs, and waits for:",
                "  runc --root " + root + " --log " + bundle + "/log.json --log-format json \\",
                "       create --bundle " + bundle + " --pid-file " + pidFile + " " + ID);
        long t0 = System.nanoTime();
        yours.create(runc, ID, pidFile, stdoutFd);
        Posix.close(stdoutFd);
        if (!Files.exists(pidFile)) {
            throw lab.fail("runc create leaves the container's init behind, its pid in init.pid",
                    "a pid in " + pidFile + " (runc writes it when create succeeds)", "there is no " + pidFile);
        }
        int init = lab.pid(Integer.parseInt(Files.readString(pidFile).trim()));
        lab.check(true, "runc create exited after " + Out.millis((System.nanoTime() - t0) / 1_000_000) + "; the container's init is pid " + init + ".");
        out.command("runc --root " + root + " list");
        out.outputTable(Sh.run(RuncBundle.RUNC, "--root", root, "list").stdout());
        Procs.Proc created = Procs.read(init);
        lab.check(created != null && created.comm().startsWith("runc:[2:INIT]"),
                "The init waits, still running runc's own code: its name is " + (created == null ? "(gone)" : created.comm()) + ".",
                "It holds the namespaces and cgroups runc made, and waits on a FIFO in runc's state folder",
                "(exec.fifo) until `runc start` says go. That is the `created` state.");
        int adopter = lab.pid(Procs.ppid(init));
        lab.show(tree("After runc create", self, adopter, init));

        lab.step("3. runc start: your start()");
        lab.say("Runc.start runs: runc --root " + root + " … start " + ID);
        yours.start(runc, ID);
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
        out.command("cat " + stdout);
        out.output(Files.readString(stdout));
        lab.check(Procs.alive(init), "runc has exited; the container runs on (pid " + init + ", `" + Procs.read(init).command() + "`).",
                "Inside its own pid namespace the container's first process is pid 1; outside it is pid " + init + ".");

        lab.step("4. Whose child is the container now?");
        int parent = lab.pid(Procs.ppid(init));
        lab.show(tree("After runc start", self, parent, init));
        lab.check(parent != self, "The container is NOT our child: its parent is pid " + parent + ", not this lab (pid " + self + ").",
                "runc create forked the init and exited; an orphan goes to the nearest \"child subreaper\" above it,",
                "or to pid 1. Nobody here will collect the container's exit status, nobody can report it to",
                "containerd: that is the shim's job, and lab 03 (subreaper) gets the container back.");
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
