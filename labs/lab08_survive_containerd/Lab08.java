///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Reconnect.java
//SOURCES solution/Reconnect.java
//DESCRIPTION Lab 08: SIGKILL containerd; the container lives; containerd comes back and reconnects.
package lab08_survive_containerd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.jrunc.shim.proto.task.ConnectResponse;
import kit.Lab;
import kit.Out;
import kit.PrivateContainerd;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;
import kit.Sh;

/**
 * Lab 08, the point of a shim: kill containerd with SIGKILL while a container runs under our shim. The container
 * and the shim live on. containerd comes back, finds the shim again through files in the bundle, and carries on as
 * if nothing had happened. Your part: find and ask the shim yourself while containerd is down, as containerd does
 * when it starts.
 */
public final class Lab08 {
    static final String ID = "lab08";
    static final String NAMESPACE = "jrunc-lab08";

    /** What you write in exercise/Reconnect.java. */
    public interface Exercise {
        /** From the container's bundle alone: connect to its shim and call Connect, as containerd does on restart. */
        ConnectResponse reconnect(Path bundle, String id) throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("08", "survive containerd", "labs/lab08_survive_containerd/exercise/Reconnect.java", args, Lab08::survive));
    }

    static void survive(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab08_survive_containerd.solution.Reconnect() : new lab08_survive_containerd.exercise.Reconnect();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();
        Path launcher = lab.repo().resolve("shim/target/containerd-shim-jrunc-v2");
        if (!Files.isExecutable(launcher)) {
            throw new Lab.CannotRun(launcher + " is missing: build the shim first (./verify.sh build)");
        }

        lab.step("1. A container under our shim");
        Path rootfs = RuncBundle.busyboxRootfs(lab);
        PrivateContainerd containerd = PrivateContainerd.start(lab, NAMESPACE);
        List<String> run = containerd.runArgs(PrivateContainerd.JAVA_SHIM, ID, rootfs, List.of("-d"),
                List.of("sh", "-c", "trap 'exit 143' TERM; sleep 600 & wait"));
        out.command(PrivateContainerd.shown(run.toArray(String[]::new)));
        Sh.Result started = containerd.ctr(run.toArray(String[]::new));
        if (!started.ok()) {
            throw new Lab.CannotRun("ctr run with our shim failed: " + started.combined());
        }
        Path bundle = containerd.bundle(ID);
        int init = Integer.parseInt(Files.readString(bundle.resolve("init.pid")).trim());
        int shim = lab.pid(Procs.ppid(init));   // named first: the book numbers the shim before its child
        lab.pid(init);
        lab.await("pid " + init + " runs sh, waiting for its sleep 600", () -> Procs.settledWithChild(init, "sh", "sleep"));
        int adopter = lab.pid(Procs.ppid(containerd.pid()));
        int first = containerd.pid();
        lab.show(tree("Before", adopter, first, shim, init));

        lab.step("2. SIGKILL containerd");
        out.command("kill -KILL " + first + "    # containerd: no chance to clean up anything");
        containerd.kill9();
        lab.show(tree("containerd is gone", adopter, first, shim, init));
        lab.check(Procs.alive(shim) && Procs.alive(init), "The shim (pid " + shim + ") and the container (pid " + init + ") live on.",
                "Neither is containerd's child (lab 02), so nothing took them down; the container's stdio and exit",
                "status wait in the shim (lab 05, lab 04).");

        lab.step("3. Find the shim without containerd: your reconnect()");
        lab.say("Everything containerd needs to find its shims again is on disk, in each bundle:");
        for (String file : List.of("address", "shim-binary-path")) {
            out.command("cat " + bundle.resolve(file));
            out.output(Files.readString(bundle.resolve(file)).trim());
        }
        ConnectResponse connect = yours.reconnect(bundle, ID);
        lab.pid(connect.getShimPid());
        lab.pid(connect.getTaskPid());
        if (connect.getShimPid() != shim || connect.getTaskPid() != init) {
            throw lab.fail("Connect, sent to the address in the bundle, reaches the container's shim",
                    "shim_pid " + shim + " and task_pid " + init,
                    "shim_pid " + connect.getShimPid() + ", task_pid " + connect.getTaskPid());
        }
        lab.check(true, "The shim answered Connect: shim pid " + connect.getShimPid() + ", task pid " + connect.getTaskPid() + ".",
                "That is what containerd does for each bundle when it starts: read `address`, dial, Connect. If that",
                "fails it runs `<shim-binary-path> … delete` to clean up, and reports the task as exited.");

        lab.step("4. containerd comes back");
        out.command("shim/scripts/private-containerd.sh restart " + containerd.dir());
        containerd.restart();
        out.command(PrivateContainerd.shown("task", "ls"));
        String tasks = containerd.ctr("task", "ls").stdout();
        out.outputTable(tasks);
        lab.show(tree("After the restart", adopter, containerd.pid(), shim, init));
        lab.check(containerd.pid() != first && tasks.contains("RUNNING") && tasks.contains(" " + init + " "),
                "A new containerd (pid " + containerd.pid() + ") lists the same task, RUNNING, with the same pid " + init + ".");

        lab.step("5. And it still works");
        out.command(PrivateContainerd.shown("task", "kill", ID));
        containerd.ctr("task", "kill", ID);
        boolean stopped = Procs.await(60_000, () -> containerd.ctr("task", "ls").stdout().contains("STOPPED"));
        Sh.Result rm = containerd.ctr("task", "rm", ID);
        out.command(PrivateContainerd.shown("task", "rm", ID));
        out.output(rm.combined());
        lab.check(stopped && rm.combined().contains("exit code 143"),
                "The new containerd stopped the container through the same shim and got its exit status, 143.",
                "The container never noticed that containerd was gone.");
        containerd.ctr("container", "rm", ID);
    }

    private static ProcessTree tree(String title, int adopter, int containerd, int shim, int init) {
        ProcessTree tree = ProcessTree.titled(title).init();
        if (adopter != 1) {
            tree.show(adopter, Kind.INIT, "adopts orphans");
        }
        if (Procs.alive(containerd)) {   // a killed containerd may linger as a zombie if pid 1 is slow to reap
            tree.show(containerd, Kind.CONTAINERD, "containerd");
        }
        tree.show(shim, Kind.SHIM, "our shim (java)").show(init, Kind.CONTAINER, "container init");
        Procs.children(init).forEach(child -> tree.show(child, Kind.CONTAINER, "in the container"));
        return tree;
    }
}
