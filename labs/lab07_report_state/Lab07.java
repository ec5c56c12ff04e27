///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/OomEvent.java
//SOURCES solution/OomEvent.java
//DESCRIPTION Lab 07: report state; our shim under containerd, its answers and its events.
package lab07_report_state;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jrunc.shim.posix.Posix;
import kit.Lab;
import kit.Out;
import kit.PrivateContainerd;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;
import kit.Sh;

/**
 * Lab 07: containerd learns about a container in two ways from its shim: answers to its calls (State, Wait) and
 * events the shim publishes on its own (/tasks/create, /tasks/start, /tasks/exit, /tasks/delete). We register our
 * shim as runtime {@code io.containerd.jrunc.v2}, run a container with ctr, and watch {@code ctr events}. Your part:
 * publish one event the way the shim does.
 */
public final class Lab07 {
    static final String ID = "lab07";
    static final String NAMESPACE = "jrunc-lab07";
    static final String READY = "jrunc-lab07-listening";

    /** What you write in exercise/OomEvent.java. */
    public interface Exercise {
        /**
         * Publishes a {@code /tasks/oom} event for container {@code id}, as the shim does when the kernel's OOM
         * killer hits a container, to the containerd listening for shims on {@code ttrpcAddress}.
         */
        void publishOom(String ttrpcAddress, String namespace, String id) throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("07", "report state", "labs/lab07_report_state/exercise/OomEvent.java", args, Lab07::reportState));
    }

    static void reportState(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab07_report_state.solution.OomEvent() : new lab07_report_state.exercise.OomEvent();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();
        Path launcher = lab.repo().resolve("shim/target/containerd-shim-jrunc-v2");
        if (!Files.isExecutable(launcher)) {
            throw new Lab.CannotRun(launcher + " is missing: build the shim first (./verify.sh build)");
        }

        lab.step("1. Register the runtime io.containerd.jrunc.v2");
        lab.say("containerd turns a runtime name into a program: io.containerd.jrunc.v2 → containerd-shim-jrunc-v2 (the last",
                "two parts), looked up on containerd's PATH. The fixture puts shim/target first on that PATH, where the",
                "build left our launcher. That is the whole registration; CRI adds a name for it in its config (lab 09).");
        Path rootfs = RuncBundle.busyboxRootfs(lab);
        PrivateContainerd containerd = PrivateContainerd.start(lab, NAMESPACE);
        Path events = lab.work().resolve("events.txt");
        out.command(PrivateContainerd.shown("events") + " > events.txt &");
        int watcher = Sh.background(List.of("ctr", "--address", containerd.address(), "events"), events);
        lab.cleanup("stopped ctr events", () -> {
            if (Procs.alive(watcher)) {
                Posix.kill(watcher, Posix.SIGKILL);
            }
        });
        // ctr events subscribes a moment after it starts. An event of our own that it prints proves it listens.
        lab.say("(ctr events subscribes a moment after it starts. To know that it listens before we go on, we make",
                "containerd publish an event, by creating a namespace " + READY + ", and wait until ctr events prints it.)");
        ctr(lab, containerd, "namespaces", "create", READY);
        lab.await("ctr events prints /namespaces/create for " + READY, () -> read(events).contains(READY));
        ctr(lab, containerd, "namespaces", "remove", READY);

        lab.step("2. Run a container through our shim");
        List<String> command = List.of("sh", "-c", "trap 'exit 3' TERM; sleep 600 & wait");
        List<String> run = containerd.runArgs(PrivateContainerd.JAVA_SHIM, ID, rootfs, List.of("-d"), command);
        out.command(PrivateContainerd.shown(run.toArray(String[]::new)));
        Sh.Result started = containerd.ctr(run.toArray(String[]::new));
        if (!started.ok()) {
            throw new Lab.CannotRun("ctr run with our shim failed: " + started.combined());
        }
        int init = Integer.parseInt(Files.readString(containerd.bundle(ID).resolve("init.pid")).trim());
        int shim = lab.pid(Procs.ppid(init));   // named first: the book numbers the shim before its child
        lab.pid(init);
        lab.await("pid " + init + " runs sh, waiting for its sleep 600", () -> Procs.settledWithChild(init, "sh", "sleep"));
        int adopter = lab.pid(Procs.ppid(containerd.pid()));
        ctr(lab, containerd, "task", "ls");
        ProcessTree tree = ProcessTree.titled("Our shim at work").init();
        if (adopter != 1) {
            tree.show(adopter, Kind.INIT, "adopts orphans");
        }
        tree.show(containerd.pid(), Kind.CONTAINERD, "containerd").show(shim, Kind.SHIM, "our shim (java)")
                .show(init, Kind.CONTAINER, "container init");
        Procs.children(init).forEach(child -> tree.show(child, Kind.CONTAINER, "in the container"));
        lab.show(tree);
        lab.check(Procs.ppid(shim) == adopter, "Our shim stands where the Go shim stood in lab 00: beside containerd, parent of the container.",
                "ctr task ls asked containerd, containerd asked our shim (State), our shim answered from what it knows.");

        lab.step("3. Publish an event: your publishOom()");
        lab.say("A shim sends events to containerd's ttrpc socket (TTRPC_ADDRESS, here " + containerd.ttrpcAddress() + "),",
                "calling containerd.services.events.ttrpc.v1.Events/Forward, one envelope per event. We publish a",
                "/tasks/oom for " + ID + " (the shim does when the kernel's OOM killer strikes); no one acts on it here.");
        yours.publishOom(containerd.ttrpcAddress(), NAMESPACE, ID);
        boolean seen = Procs.await(30_000, () -> eventLines(events).stream().anyMatch(l -> l.contains("/tasks/oom")));
        if (!seen) {
            throw lab.fail("ctr events shows a /tasks/oom event for " + ID,
                    "a line with /tasks/oom and {\"container_id\":\"" + ID + "\"} from ctr events within 30 s",
                    "none: containerd received no such event (lines so far: " + eventLines(events).size() + ")");
        }
        lab.check(true, "containerd received it and passed it on to every subscriber, ctr events included.");

        lab.step("4. Stop the container");
        ctr(lab, containerd, "task", "kill", ID);
        lab.await("ctr task ls shows " + ID + " STOPPED", () -> containerd.ctr("task", "ls").stdout().contains("STOPPED"));
        ctr(lab, containerd, "task", "ls");
        lab.say("sh trapped SIGTERM and exited 3. Our shim reaped it, published /tasks/exit, and keeps the status until",
                "the task is deleted: containerd's Wait call (what `ctr run` without -d waits on) returned 3.");
        Sh.Result rm = containerd.ctr("task", "rm", ID);
        out.command(PrivateContainerd.shown("task", "rm", ID));
        out.output(rm.combined().replaceAll("WARN\\[\\d+\\] ", "WARN[0000] "));
        ctr(lab, containerd, "container", "rm", ID);
        lab.await("ctr events prints /containers/delete", () -> eventLines(events).stream().anyMatch(l -> l.contains("/containers/delete")));

        lab.step("5. What ctr events saw");
        List<String> seenEvents = eventLines(events);
        out.command("cat events.txt");
        out.output(String.join("\n", seenEvents));
        List<String> topics = new ArrayList<>();
        for (String line : seenEvents) {
            String[] words = line.split(" ");
            if (words.length > 5) {
                topics.add(words[5]);
            }
        }
        List<String> expected = List.of("/containers/create", "/tasks/create", "/tasks/start", "/tasks/oom", "/tasks/exit", "/tasks/delete", "/containers/delete");
        lab.check(topics.equals(expected), "The events came in the order containerd's clients rely on: " + String.join(", ", topics) + ".",
                "/containers/* come from containerd itself; /tasks/* from our shim (/tasks/oom from you). /tasks/exit",
                "carries the exit status 3 and the pid; /tasks/delete comes after, once the shim ran runc delete.");
    }

    /** Runs ctr with the lab's containerd and prints command and output (tables laid out stably in the book). */
    private static void ctr(Lab lab, PrivateContainerd containerd, String... args) {
        lab.out().command(PrivateContainerd.shown(args));
        Sh.Result r = containerd.ctr(args);
        if (!r.ok()) {
            throw new Lab.CannotRun("ctr " + String.join(" ", args) + " failed: " + r.combined());
        }
        if (args[args.length - 1].equals("ls")) {
            lab.out().outputTable(r.stdout());
        } else {
            lab.out().output(r.stdout());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** ctr events lines about our container, as far as written. */
    private static List<String> eventLines(Path events) {
        try {
            return Files.readAllLines(events).stream().filter(l -> l.contains("\"" + ID + "\"")).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
