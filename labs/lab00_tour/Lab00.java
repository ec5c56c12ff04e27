///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Parents.java
//SOURCES solution/Parents.java
//DESCRIPTION Lab 00, the tour: one container under containerd's Go shim, and who is whose parent.
package lab00_tour;

import java.io.IOException;
import java.util.List;

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
 * <p>Your part ({@link Exercise}): read a process's parent from {@code /proc}, the one fact every later lab checks.
 */
public final class Lab00 {
    static final String ID = "tour";
    static final String NAMESPACE = "jrunc-lab00";

    /** What you write in exercise/Parents.java. */
    public interface Exercise {
        /** The pid of {@code pid}'s parent, as the kernel says in {@code /proc/<pid>/stat}. */
        int parentOf(int pid) throws IOException;
    }

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
        lab.check(true, "Java " + Out.vary(Runtime.version().feature(), "<17 or newer>") + " runs this lab, as root");
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

        lab.step("4. Who is whose parent: your parentOf()");
        int[] chain = new int[3];
        chain[0] = init;
        for (int i = 1; i < chain.length; i++) {
            int theirs = yours.parentOf(chain[i - 1]);
            int kernels = Procs.ppid(chain[i - 1]);
            if (theirs != kernels) {
                throw lab.fail("parentOf(" + chain[i - 1] + ") returns the parent the kernel reports",
                        "parentOf(" + chain[i - 1] + ") == " + kernels + " (field 4 of /proc/" + chain[i - 1] + "/stat)",
                        "parentOf(" + chain[i - 1] + ") returned " + theirs);
            }
            chain[i] = theirs;
            lab.say("  parentOf(" + chain[i - 1] + ") = " + theirs + "   " + role(theirs, shim, adopter));
        }
        lab.check(chain[1] == shim, "The container's init is the shim's child, not containerd's.",
                "The shim is what waits for the container's exit status and reports it to containerd.");
        lab.check(chain[2] == adopter && adopter != containerd.pid(),
                "The shim is not containerd's child: its parent is pid " + adopter + ", the same as containerd's.",
                "containerd started `containerd-shim-runc-v2 start`, which started the real shim and exited at once; the",
                "orphaned shim was adopted, like containerd itself. So containerd can stop, crash or be upgraded and the",
                "shim, and with it the container, stays up (lab 02 builds that, lab 08 proves it).");

        lab.step("5. The cast");
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
        lab.check(true, name + " " + Out.vary(version, "<version>"));
    }

    private static String role(int pid, int shim, int adopter) {
        return pid == shim ? "(the shim)" : pid == adopter ? (pid == 1 ? "(pid 1, the machine's init)" : "(a child subreaper)") : "";
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
