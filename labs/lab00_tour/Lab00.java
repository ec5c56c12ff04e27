///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Parents.java
//SOURCES solution/Parents.java
//SOURCES exercise/NamespacesStretch.java
//SOURCES solution/NamespacesStretch.java
//DESCRIPTION Lab 00, the tour: one container under containerd's Go shim, and who is whose parent.
package lab00_tour;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.Spawn;
import kit.Lab;
import kit.Out;
import kit.PrivateContainerd;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;
import kit.Sh;

/**
 * Lab 00, the tour. Before building anything, look at the real thing: a private containerd runs one busybox
 * container through the Go shim ({@code io.containerd.runc.v2}), and we read the process tree. Three claims the
 * rest of the workbook builds on: the container's first process is the shim's child; the shim is not
 * containerd's child; runc is nowhere to be seen.
 *
 * <p>Your part ({@link Exercise}): read {@code /proc/<pid>/stat} as {@code ps} does, and walk from a process up
 * to pid 1: who is whose parent is the one fact every later lab checks. A process with an awkward name tests the
 * parsing; the stretch reads the pid a process has inside its container ({@code NSpid}).
 */
public final class Lab00 {
    static final String ID = "tour";
    static final String NAMESPACE = "jrunc-lab00";

    /** The first six fields of {@code /proc/<pid>/stat} (proc(5)): what ps shows as PID, COMMAND, STAT, PPID, PGID, SID. */
    public record Stat(int pid, String comm, char state, int ppid, int pgrp, int session) {
        @Override
        public String toString() {
            return "pid " + pid + ", comm \"" + comm + "\", state " + state + ", ppid " + ppid + ", pgrp " + pgrp + ", session " + session;
        }
    }

    /** What you write in exercise/Parents.java. */
    public interface Exercise {
        /** {@code pid}'s first six fields, as the kernel says in {@code /proc/<pid>/stat}. */
        Stat stat(int pid) throws IOException;

        /** {@code pid}, its parent, its parent's parent, and so on: up to and including pid 1. */
        List<Integer> ancestry(int pid) throws IOException;
    }

    /** The stretch, in exercise/NamespacesStretch.java: the pids a process has, one per pid namespace. */
    public interface Stretch {
        /** {@code pid}'s pid in each pid namespace it belongs to: the machine's first, its own last (NSpid). */
        List<Integer> nsPids(int pid) throws IOException;

        /** Whether two processes are in the same pid namespace (see /proc/<pid>/ns/ in namespaces(7)). */
        boolean samePidNamespace(int a, int b) throws IOException;
    }

    /** A program name that breaks the first parser everybody writes (a symbolic link to sleep, so comm is this). */
    static final String AWKWARD_NAME = "x) Z 1 1 1 (y";

    public static void main(String[] args) {
        System.exit(Lab.run("00", "the tour", "labs/lab00_tour/exercise/Parents.java", args, Lab00::tour));
    }

    static void tour(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab00_tour.solution.Parents() : new lab00_tour.exercise.Parents();
        Out out = lab.out();

        lab.step("0. What this machine has");
        lab.say("The labs need root, containerd, ctr, runc and a static busybox (for the containers' root filesystem).");
        tool(lab, "containerd", List.of("containerd", "--version"), 2);
        tool(lab, "ctr", List.of("ctr", "--version"), 2);
        tool(lab, "runc", List.of(RuncBundle.RUNC, "--version"), 2);
        tool(lab, "busybox", List.of("/bin/busybox", "--help"), 1);
        // root: Lab.run stopped before this body otherwise
        lab.check(Runtime.version().feature() >= 17, "Java " + Out.vary(Runtime.version().feature(), "<17 or newer>") + " runs this lab, as root");
        var rootfs = RuncBundle.busyboxRootfs(lab);

        lab.step("1. A containerd of our own");
        lab.say("containerd is the daemon that Docker, nerdctl and the kubelet (through CRI) talk to. We start a private one",
                "with shim/scripts/private-containerd.sh: its root, state and sockets live in /run/jrunc/lab00/containerd,",
                "so nothing else on this machine is disturbed.");
        out.command("shim/scripts/private-containerd.sh start /run/jrunc/lab00/containerd " + NAMESPACE);
        PrivateContainerd containerd = PrivateContainerd.start(lab, NAMESPACE);
        int adopter = lab.pid(Procs.ppid(containerd.pid()));
        lab.say("containerd runs as pid " + containerd.pid() + " and listens on " + containerd.address() + ".");
        lab.show(tree("Before: containerd alone", adopter).show(containerd.pid(), Kind.CONTAINERD, "containerd"));

        lab.step("2. One container, through the Go shim");
        lab.say("ctr is containerd's command-line client. --runtime names the shim: io.containerd.runc.v2 is the program",
                "containerd-shim-runc-v2, the shim that ships with containerd. -d: do not wait for the container.");
        List<String> run = containerd.runArgs(PrivateContainerd.GO_SHIM, ID, rootfs, List.of("-d"), List.of("sleep", "600"));
        out.command(PrivateContainerd.shown(run.toArray(String[]::new)));
        Sh.Result started = containerd.ctr(run.toArray(String[]::new));
        if (!started.ok()) {
            throw new Lab.CannotRun("ctr run failed: " + started.combined());
        }
        List<Integer> shims = Procs.withArguments("-id", ID, "-address", containerd.address());
        if (shims.size() != 1) {
            throw new Lab.CannotRun("expected one containerd-shim-runc-v2 for " + ID + ", found " + shims);
        }
        int shim = lab.pid(shims.get(0));
        int init = lab.pid(taskPid(containerd));
        // ctr run -d returns once runc start has; the init may still be on its way from runc's code to sleep.
        lab.await("the container's init (pid " + init + ") runs sleep", () -> Procs.settled(init, "sleep"));
        out.command(PrivateContainerd.shown("task", "ls"));
        out.outputTable(containerd.ctr("task", "ls").stdout());
        lab.say("ctr has already exited, and the container runs on: its first process, the container's init, is pid " + init + ".");

        lab.step("3. The process tree");
        lab.show(tree("After ctr run: containerd, the shim, the container", adopter)
                .show(containerd.pid(), Kind.CONTAINERD, "containerd")
                .show(shim, Kind.SHIM, "the shim")
                .show(init, Kind.CONTAINER, "container init"));
        lab.say("(Read from /proc, as `ps -o pid,ppid,pgid,sid,stat,args --forest` shows it. In the workbook, pids are",
                "renumbered in order of appearance, and processes outside the picture are shown as -.)");

        lab.step("4. Who is whose parent: your stat() and ancestry()");
        lab.say("ps reads /proc/<pid>/stat: one line, \"pid (comm) state ppid pgrp session …\" (proc(5)). Your stat()",
                "reads it too; the lab compares each field with the kernel's (state only where it cannot change).");
        for (int pid : new int[] {init, shim}) {
            Stat theirs = bounded(lab, "stat(" + pid + ")", () -> yours.stat(pid));
            expectSameStat(lab, pid, theirs, pid == init);
            out.say("  stat(" + pid + "): comm \"" + theirs.comm() + "\", ppid " + theirs.ppid() + ", pgrp " + theirs.pgrp()
                    + ", session " + theirs.session() + "   " + role(pid, shim, adopter, init));
        }
        List<Integer> chain = bounded(lab, "ancestry(" + init + ")", () -> yours.ancestry(init));
        List<Integer> kernels = kernelAncestry(init);
        if (!kernels.equals(chain)) {
            throw lab.fail("ancestry(" + init + ") walks from the container's init up to pid 1",
                    kernels + " (each one the ppid of the one before, pid 1 included, and nothing after it)", String.valueOf(chain));
        }
        out.say("  ancestry(" + init + ") = " + chain);
        for (int i = 1; i < chain.size(); i++) {
            out.say("    " + chain.get(i - 1) + " is the child of " + chain.get(i) + "   " + role(chain.get(i), shim, adopter, init));
        }
        lab.check(chain.get(1) == shim, "The container's init is the shim's child, not containerd's.",
                "The shim is what waits for the container's exit status and reports it to containerd.");
        lab.check(chain.get(2) == adopter && adopter != containerd.pid(),
                "The shim is not containerd's child: its parent is pid " + adopter + ", the same as containerd's.",
                "containerd started `containerd-shim-runc-v2 start`, which started the real shim and exited at once; the",
                "orphaned shim was adopted, like containerd itself. So containerd can stop, crash or be upgraded and the",
                "shim, and with it the container, stays up (lab 02 builds that, lab 08 proves it).");

        lab.step("5. A name to trip over");
        lab.say("A process's name (comm, 15 bytes at most) is the file name it executed, and a file name can hold",
                "anything but '/': runc's waiting init calls itself runc:[2:INIT]; here is one named `" + AWKWARD_NAME + "`,",
                "a symbolic link to sleep. Its arguments (what ps shows as COMMAND) are `sleep 600`, as we passed them.");
        Path link = lab.work().resolve(AWKWARD_NAME);
        Files.createSymbolicLink(link, Path.of("/bin/sleep"));
        int self = lab.pid(Posix.getpid());
        int awkward = lab.pid(Spawn.of(link.toString(), List.of("sleep", "600")).start());
        lab.cleanup("stopped and reaped `" + AWKWARD_NAME + "` (pid " + awkward + ")", () -> {
            Posix.kill(awkward, Posix.SIGKILL);
            Posix.waitpid(awkward, new int[1], 0);
        });
        lab.await("pid " + awkward + " runs `" + AWKWARD_NAME + "` and sleeps", () -> Procs.settled(awkward, AWKWARD_NAME));
        String stat = Files.readString(Path.of("/proc", String.valueOf(awkward), "stat"));
        int afterPpid = stat.indexOf(' ', stat.lastIndexOf(')') + 4);
        out.command("cat /proc/" + awkward + "/stat");
        out.output(stat.substring(0, afterPpid) + " …");
        Stat theirs = bounded(lab, "stat(" + awkward + ")", () -> yours.stat(awkward));
        expectSameStat(lab, awkward, theirs, true);
        out.say("  stat(" + awkward + "): comm \"" + theirs.comm() + "\", state " + theirs.state() + ", ppid " + theirs.ppid() + "   (this lab)");
        List<Integer> up = bounded(lab, "ancestry(" + awkward + ")", () -> yours.ancestry(awkward));
        List<Integer> upKernel = kernelAncestry(awkward);
        if (!upKernel.equals(up)) {
            throw lab.fail("ancestry(" + awkward + ") walks from `" + AWKWARD_NAME + "` up to pid 1", String.valueOf(upKernel), String.valueOf(up));
        }
        out.say("  ancestry(" + awkward + ") = [" + awkward + ", " + self + ", …, 1]   (through this lab, and whatever started it)");
        lab.passed("stat() read `" + AWKWARD_NAME + "` whole: the name runs from the first '(' to the LAST ')'.",
                "Split at spaces, or cut at the first ')', and the same line reads as a zombie named \"x\", child of pid 1,",
                "in group 1 and session 1: a wrong answer, and no error to warn you. ps cuts at the last ')'.");

        lab.step("6. The cast");
        List<Integer> runcs = Procs.withArguments("--root", "/run/containerd/runc/" + NAMESPACE);
        lab.check(runcs.isEmpty(), "No runc process is running for this container.",
                "runc is a command-line tool, not a daemon: the shim ran `runc create` and `runc start`, and each",
                "exited when done. The container's init was runc's child; when runc exited, the shim adopted it (lab 01",
                "and lab 03 show how).");
        lab.say("- containerd                the daemon: images, snapshots, metadata, the API. Runs no container itself.",
                "- containerd-shim-runc-v2   one per container (or per pod): starts it through runc, stays its parent,",
                "                            reaps it, answers containerd over ttrpc. The labs build this, in Java.",
                "- runc                      the OCI runtime: sets up namespaces and cgroups, starts the process, exits.",
                "- ctr                       a client, like the kubelet's CRI calls: asks containerd and exits.");

        lab.stretch("the container's own pid numbers", "labs/lab00_tour/exercise/NamespacesStretch.java",
                (stretchLab, solution) -> namespaces(stretchLab, solution
                        ? new lab00_tour.solution.NamespacesStretch() : new lab00_tour.exercise.NamespacesStretch(),
                        init, shim, awkward));
    }

    /**
     * The stretch: a container has its own pid namespace, so its processes have two pids, the machine's and the
     * container's. /proc/<pid>/status lists both (NSpid), and /proc/<pid>/ns/pid names the namespace.
     */
    private static void namespaces(Lab lab, Stretch yours, int init, int shim, int awkward) throws Exception {
        lab.say("Inside the container, `sleep 600` believes it is pid 1. /proc/<pid>/status has a line for that: NSpid,",
                "the process's pid in each pid namespace it belongs to, from the machine's down to its own.");
        int[][] cases = {{shim, shim}, {init, init, 1}, {awkward, awkward}};
        String[] who = {"the shim", "the container's init", "`" + AWKWARD_NAME + "`"};
        for (int i = 0; i < cases.length; i++) {
            int pid = cases[i][0];
            List<Integer> expected = new ArrayList<>();
            for (int j = 1; j < cases[i].length; j++) {
                expected.add(cases[i][j]);
            }
            List<Integer> theirs = bounded(lab, "nsPids(" + pid + ")", () -> yours.nsPids(pid));
            if (!expected.equals(theirs)) {
                throw lab.fail("nsPids(" + pid + ") lists " + who[i] + "'s pid in each pid namespace it is in",
                        expected + " (the NSpid line of /proc/" + pid + "/status: tab-separated, one number per namespace)",
                        String.valueOf(theirs));
            }
            lab.say("  nsPids(" + pid + ") = " + theirs + "   (" + who[i] + ")");
        }
        boolean apart = bounded(lab, "samePidNamespace(" + init + ", " + shim + ")", () -> yours.samePidNamespace(init, shim));
        boolean together = bounded(lab, "samePidNamespace(" + shim + ", " + awkward + ")", () -> yours.samePidNamespace(shim, awkward));
        if (apart || !together) {
            throw lab.fail("samePidNamespace() tells the container's namespace from the machine's",
                    "samePidNamespace(" + init + ", " + shim + ") false; samePidNamespace(" + shim + ", " + awkward + ") true",
                    "samePidNamespace(" + init + ", " + shim + ") " + apart + "; samePidNamespace(" + shim + ", " + awkward + ") " + together);
        }
        lab.passed("The container's init is pid " + init + " to the machine and pid 1 in a pid namespace of its own.",
                "The shim lives in the machine's namespace: it starts, signals and reaps the container's init as " + init + ",",
                "and so does everything containerd reports (ctr task ls above). Inside, the container's processes see",
                "only each other, numbered from 1; /proc/" + init + "/ns/pid differs from the shim's.");
    }

    /** The kernel's own answer for ancestry(), to compare with yours. */
    private static List<Integer> kernelAncestry(int pid) {
        List<Integer> chain = new ArrayList<>();
        for (int p = pid; p > 0 && chain.size() < 100; p = Procs.ppid(p)) {
            chain.add(p);
            if (p == 1) {
                break;
            }
        }
        return chain;
    }

    /** Your stat(pid) against the kernel's fields; the state only where it cannot change meanwhile. */
    private static void expectSameStat(Lab lab, int pid, Stat theirs, boolean settled) {
        Procs.Proc kernel = Procs.read(pid);
        Stat truth = new Stat(pid, kernel.comm(), kernel.state(), kernel.ppid(), kernel.pgid(), kernel.sid());
        if (theirs == null) {
            throw lab.fail("stat(" + pid + ") reads /proc/" + pid + "/stat", String.valueOf(truth), "null");
        }
        Stat compared = settled ? theirs : new Stat(theirs.pid(), theirs.comm(), truth.state(), theirs.ppid(), theirs.pgrp(), theirs.session());
        if (!truth.equals(compared)) {
            throw lab.fail("stat(" + pid + ") has the kernel's fields", String.valueOf(truth), String.valueOf(theirs)
                    + (truth.comm().contains(")") ? " (the name holds spaces and ')')" : ""));
        }
    }

    /**
     * Runs your code on another thread: a walk that never reaches pid 1 must end in a clear message, not a lab
     * that hangs. The bound is far above what the call takes.
     */
    private static <T> T bounded(Lab lab, String call, Callable<T> body) throws Exception {
        FutureTask<T> task = new FutureTask<>(body);
        Thread thread = new Thread(task, "your-code");
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw lab.fail(call + " returns", "an answer within milliseconds", "still running after 20 s: does a loop miss its end?");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;      // yours, with its own stack trace: the lab reports the line it came from
            }
            throw e;
        }
    }

    /** One line per tool: its version, or the lab cannot run. */
    private static void tool(Lab lab, String name, List<String> command, int versionWord) {
        Sh.Result r = Sh.run(command);
        String first = r.combined().lines().findFirst().orElse("");
        if (r.status() == 127 || first.isEmpty()) {
            throw new Lab.CannotRun(name + " is missing (apt-get install -y containerd runc busybox-static)");
        }
        String[] words = first.trim().split("\\s+");
        String version = words.length > versionWord ? words[versionWord] : first;
        lab.check(r.status() == 0, name + " " + Out.vary(version, "<version>"));
    }

    private static String role(int pid, int shim, int adopter, int init) {
        return pid == init ? "(the container's init)" : pid == shim ? "(the shim)"
                : pid == 1 ? "(pid 1, the machine's init)" : pid == adopter ? "(a child subreaper)" : "";
    }

    /** The pid ctr task ls shows for our task. */
    private static int taskPid(PrivateContainerd containerd) {
        for (String line : containerd.ctr("task", "ls").stdout().split("\n")) {
            String[] cells = line.trim().split("\\s+");
            if (cells.length >= 3 && cells[0].equals(ID)) {
                return Integer.parseInt(cells[1]);
            }
        }
        throw new Lab.CannotRun("ctr task ls does not list " + ID);
    }

    private static ProcessTree tree(String title, int adopter) {
        ProcessTree tree = ProcessTree.titled(title).init();
        return adopter == 1 ? tree : tree.show(adopter, Kind.INIT, "adopts orphans (a child subreaper)");
    }
}
