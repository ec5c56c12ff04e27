///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Subreaper.java
//SOURCES solution/Subreaper.java
//DESCRIPTION Lab 03: PR_SET_CHILD_SUBREAPER; the container becomes our child once runc exits.
package lab03_subreaper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
 * Lab 03: the same container twice. First from a plain process: the container's init is orphaned when runc exits and
 * goes to pid 1 (lab 01). Then from a child subreaper: the orphan comes to us instead, and when it exits, our
 * reaper collects its exit status, which is what a shim reports to containerd.
 */
public final class Lab03 {
    /** What you write in exercise/Subreaper.java. */
    public interface Exercise {
        /** Makes this process a child subreaper. */
        void become() throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("03", "subreaper", "labs/lab03_subreaper/exercise/Subreaper.java", args, Lab03::subreaper));
    }

    static void subreaper(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab03_subreaper.solution.Subreaper() : new lab03_subreaper.exercise.Subreaper();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();
        int self = lab.pid(Posix.getpid());
        Reaper reaper = Reaper.start();
        Sh.useReaper(reaper);
        CompletableFuture<Exit> containerExit = new CompletableFuture<>();
        // Exits of processes we did not spawn ourselves: orphans that were handed to us.
        reaper.subscribe(containerExit::complete);
        // Trap TERM and exit 3, so the exit status shows it came from the container; `& wait` keeps sh as pid 1.
        List<String> command = List.of("sh", "-c", "trap 'exit 3' TERM; sleep 600 & wait");

        lab.step("1. Without a subreaper");
        lab.say("This process is a child subreaper? " + Posix.isChildSubreaper());
        int plain = runContainer(lab, "plain", command);
        int plainParent = lab.pid(Procs.ppid(plain));
        lab.show(tree("Without PR_SET_CHILD_SUBREAPER", self, plainParent, plain));
        lab.check(plainParent != self, "The container's init (pid " + plain + ") went to pid " + plainParent + ", as in lab 01.");
        killAndDelete(lab, "plain");

        lab.step("2. Become a child subreaper: your become()");
        yours.become();
        boolean subreaper = Posix.isChildSubreaper();
        out.say("prctl(PR_GET_CHILD_SUBREAPER) says: " + subreaper);

        lab.step("3. The same container again");
        int init = runContainer(lab, "adopted", command);
        int parent = Procs.ppid(init);
        lab.show(tree("With PR_SET_CHILD_SUBREAPER", self, parent, init));
        if (parent != self) {
            throw lab.fail("The container's init is our child once runc has exited",
                    "the parent of pid " + init + " is this lab, pid " + self + " (we are a child subreaper)",
                    "its parent is pid " + parent + "; prctl(PR_GET_CHILD_SUBREAPER) says " + subreaper);
        }
        lab.check(true, "The container's init (pid " + init + ") is our child, although we never started it: runc did.",
                "runc create forked it and exited; the kernel hands an orphan to the nearest ancestor that is a",
                "child subreaper. That is the shim's position: it runs runc, and runc's container stays with it.");

        lab.step("4. We reap it");
        out.command("runc --root " + RuncBundle.runcRoot(lab) + " kill adopted TERM");
        runcOf(lab, "adopted").kill("adopted", Posix.SIGTERM, false);
        Exit exit;
        try {
            exit = containerExit.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw lab.fail("Our reaper gets the container's exit status", "an exit of pid " + init, "none within 60 s");
        }
        lab.pid(exit.pid());
        lab.check(exit.pid() == init && exit.status() == 3,
                "Our reaper's waitpid(-1) returned pid " + exit.pid() + " with exit status " + exit.status() + ": the container's `exit 3`.",
                "The shim publishes this as /tasks/exit and answers containerd's Wait call with it (lab 07).");
        runcOf(lab, "adopted").delete("adopted", false);
    }

    /** runc create + start of a container named {@code id}; returns its init's pid. */
    private static int runContainer(Lab lab, String id, List<String> command) throws Exception {
        Path bundle = RuncBundle.create(lab, id, command);
        Runc runc = new Runc(Reaper.start(), RuncBundle.RUNC, RuncBundle.runcRoot(lab), bundle, false);
        lab.cleanup("runc kill + delete --force " + id, () -> killAndDelete(lab, id));
        Path pidFile = bundle.resolve("init.pid");
        lab.out().command("runc --root " + RuncBundle.runcRoot(lab) + " create --bundle " + bundle + " --pid-file " + pidFile + " " + id);
        runc.create(id, new Runc.CreateOptions(pidFile, false, false, null), -1, -1, -1);
        lab.out().command("runc --root " + RuncBundle.runcRoot(lab) + " start " + id);
        runc.start(id);
        int init = lab.pid(Integer.parseInt(Files.readString(pidFile).trim()));
        // Running the command, and its `sleep 600 &` started: the picture shows both, on every run.
        lab.await("pid " + init + " runs sh, waiting for its sleep 600", () -> Procs.settledWithChild(init, "sh", "sleep"));
        return init;
    }

    private static Runc runcOf(Lab lab, String id) {
        return new Runc(Reaper.start(), RuncBundle.RUNC, RuncBundle.runcRoot(lab), lab.work().resolve(id), false);
    }

    private static void killAndDelete(Lab lab, String id) throws Exception {
        Runc runc = runcOf(lab, id);
        try {
            runc.kill(id, Posix.SIGKILL, false);
        } catch (Exception alreadyGone) {
            // stopped already
        }
        try {
            runc.delete(id, true);
        } catch (Exception alreadyDeleted) {
            // deleted already
        }
    }

    private static ProcessTree tree(String title, int self, int parent, int init) {
        ProcessTree tree = ProcessTree.titled(title).init();
        if (parent != 1 && parent != self) {
            tree.show(parent, Kind.INIT, "adopts orphans");
        }
        tree.show(self, Kind.LAB, "this lab", "java … lab03_subreaper.Lab03").show(init, Kind.CONTAINER, "container init");
        Procs.children(init).forEach(child -> tree.show(child, Kind.CONTAINER, "in the container"));
        return tree;
    }
}
