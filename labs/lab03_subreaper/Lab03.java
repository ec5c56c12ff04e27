///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Adoption.java
//SOURCES solution/Adoption.java
//SOURCES exercise/NamespaceStretch.java
//SOURCES solution/NamespaceStretch.java
//DESCRIPTION Lab 03: PR_SET_CHILD_SUBREAPER; who adopts an orphan; the container becomes our child once runc exits.
package lab03_subreaper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.Spawn;
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
 * Lab 03: who adopts an orphan. First the container from a plain process: its init is orphaned when runc exits and
 * goes to pid 1 (lab 01). Then a family of processes, one of them a child subreaper that has exec'd since, and the
 * rule, which you write and the kernel checks. Then this process becomes a subreaper, the container comes to us,
 * and our reaper collects its exit status: what a shim reports to containerd.
 */
public final class Lab03 {

    /** Something a process did, as the lab tells it (and as your {@link Exercise#parents} replays it). */
    public sealed interface Event permits Spawned, Subreaper, Exec, Exited {
    }

    /**
     * {@code parent} started {@code child} running {@code program} (fork and execve, or posix_spawn). With
     * {@code newPidNamespace}, the child is the first process, pid 1, of a new pid namespace (only in the stretch).
     */
    public record Spawned(int parent, int child, String program, boolean newPidNamespace) implements Event {
        @Override
        public String toString() {
            return parent + " started " + child + " (" + program + (newPidNamespace ? ", in a new pid namespace" : "") + ")";
        }
    }

    /** {@code pid} called prctl(PR_SET_CHILD_SUBREAPER, 1). */
    public record Subreaper(int pid) implements Event {
        @Override
        public String toString() {
            return pid + " called prctl(PR_SET_CHILD_SUBREAPER, 1)";
        }
    }

    /** {@code pid} called execve: it runs {@code program} now, same pid. */
    public record Exec(int pid, String program) implements Event {
        @Override
        public String toString() {
            return pid + " exec'd " + program;
        }
    }

    /** {@code pid} exited (a zombie until its parent waits for it). */
    public record Exited(int pid) implements Event {
        @Override
        public String toString() {
            return pid + " exited";
        }
    }

    /** What you write in exercise/Adoption.java. */
    public interface Exercise {
        /**
         * The parent of every process of the history that has not exited, after all of {@code history}, as the
         * kernel decides it. A process whose parent is not in the history (this lab) may be left out. An orphan
         * that nobody in the history adopts goes to pid 1: answer 1 (on machines where a subreaper runs above
         * this lab, such as {@code systemd --user}, the lab knows that it stands for that one).
         */
        Map<Integer, Integer> parents(List<Event> history);

        /** Makes this process a child subreaper, as the shim's daemon does first thing. */
        void become() throws Exception;
    }

    /** The stretch, in exercise/NamespaceStretch.java: the same rule, with pid namespaces. */
    public interface Stretch {
        /** As {@link Exercise#parents}, for histories where some processes start a new pid namespace. */
        Map<Integer, Integer> parents(List<Event> history);
    }

    /** execve(2), which the JDK does not offer: the puppet subreaper becomes a shell, keeping its pid. */
    public interface CLibrary {
        int execv(String path, String[] argv);
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("--role") && args[1].equals("subreaper")) {
            System.exit(subreaperThenExec(args[2]));
        }
        System.exit(Lab.run("03", "subreaper", "labs/lab03_subreaper/exercise/Adoption.java", args, Lab03::subreaper));
    }

    static void subreaper(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab03_subreaper.solution.Adoption() : new lab03_subreaper.exercise.Adoption();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();
        int self = lab.pid(Posix.getpid());
        Reaper reaper = Reaper.start();
        Sh.useReaper(reaper);
        CompletableFuture<Exit> containerExit = new CompletableFuture<>();
        List<Integer> adoptedInit = new ArrayList<>();
        // Exits of processes we did not spawn ourselves: orphans that were handed to us.
        reaper.subscribe(exit -> {
            if (adoptedInit.contains(exit.pid())) {
                containerExit.complete(exit);
            }
        });
        // Why the trap: see step 5.
        List<String> command = List.of("sh", "-c", "trap 'exit 3' TERM; sleep 600 & wait");

        lab.step("1. Without a subreaper");
        lab.say("This process is a child subreaper? " + Posix.isChildSubreaper());
        int plain = runContainer(lab, "plain", command);
        int outside = lab.pid(Procs.ppid(plain));
        lab.show(tree("Without PR_SET_CHILD_SUBREAPER", self, outside, plain));
        lab.check(outside != self, "The container's init (pid " + plain + ") went to pid " + outside + ", as in lab 01.");
        killAndDelete(lab, "plain");

        lab.step("2. Who adopts an orphan: your parents()");
        family(lab, yours, reaper, self, outside);

        lab.step("3. Become a child subreaper: your become()");
        yours.become();
        boolean subreaper = Posix.isChildSubreaper();
        out.say("prctl(PR_GET_CHILD_SUBREAPER) says: " + subreaper);

        lab.step("4. The same container again");
        int init = runContainer(lab, "adopted", command);
        adoptedInit.add(init);
        int parent = Procs.ppid(init);
        lab.show(tree("With PR_SET_CHILD_SUBREAPER", self, parent, init));
        if (parent != self) {
            throw lab.fail("The container's init is our child once runc has exited",
                    "the parent of pid " + init + " is this lab, pid " + self + " (we are a child subreaper)",
                    "its parent is pid " + parent + "; prctl(PR_GET_CHILD_SUBREAPER) says " + subreaper);
        }
        lab.passed("The container's init (pid " + init + ") is our child, although we never started it: runc did.",
                "runc create started it and exited; the kernel handed the orphan to the nearest ancestor that is a",
                "child subreaper. That is the shim's position: it runs runc, and runc's container stays with it.");

        lab.step("5. We reap it");
        lab.say("The container's command traps TERM: a pid namespace's init receives only the signals it has a handler",
                "for (SIGKILL from outside excepted, pid_namespaces(7)). Without the trap, `runc kill … TERM` would do",
                "nothing to sh as pid 1. The trap makes it exit 3, so the status shows it came from the container.");
        out.command("runc --root " + RuncBundle.runcRoot(lab) + " kill adopted TERM");
        runcOf(lab, "adopted").kill("adopted", Posix.SIGTERM, false);
        Exit exit;
        try {
            exit = containerExit.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw lab.fail("Our reaper gets the container's exit status", "an exit of pid " + init, "none within 60 s");
        }
        lab.check(exit.status() == 3,
                "Our reaper's waitpid(-1) returned pid " + exit.pid() + " with exit status " + exit.status() + ": the container's `exit 3`.",
                "The shim publishes this as /tasks/exit and answers containerd's Wait call with it (lab 07).");
        runcOf(lab, "adopted").delete("adopted", false);

        lab.stretch("orphans inside a container", "labs/lab03_subreaper/exercise/NamespaceStretch.java",
                (stretchLab, solution) -> insideContainer(stretchLab, solution
                        ? new lab03_subreaper.solution.NamespaceStretch() : new lab03_subreaper.exercise.NamespaceStretch(),
                        reaper, self));
    }

    // --- step 2: the family ----------------------------------------------------------------------------------------

    /**
     * A family of processes whose history the lab knows exactly: A sets the subreaper flag and exec's a shell, which
     * starts B and D; each starts a child, and so on. Three of them exit, one at a time; before each, your parents()
     * predicts who gets the orphans, and then the kernel shows it.
     */
    private static void family(Lab lab, Exercise yours, Reaper reaper, int self, int outside) throws Exception {
        Out out = lab.out();
        lab.say("The kernel gives an orphan a new parent when its parent exits. Which one? Write the rule in parents()",
                "(prctl(2), PR_SET_CHILD_SUBREAPER, says it). The lab starts a family of processes, tells you what each",
                "did, and before each exit asks your parents() for everyone's parent afterwards; then the kernel answers.");
        // A: a JVM that sets the flag and execs a shell; the shell starts B and D, then execs sleep 601.
        String aScript = "sh -c 'sleep 602 & wait' & sh -c 'sh -c \"sleep 604 & wait\" & exec sleep 603' & exec sleep 601";
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Lab03.class.getName(), "--role", "subreaper", aScript));
        Path aErrors = lab.work().resolve("puppet.err");
        int errors = Posix.open(aErrors.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_CLOEXEC, 0644);
        Reaper.Child puppet;
        try {
            puppet = reaper.spawn(Spawn.of(argv.get(0), argv).stdio(-1, errors, errors));
        } finally {
            Posix.close(errors);
        }
        int a = lab.pid(puppet.pid());
        Map<Integer, String> names = new LinkedHashMap<>();
        names.put(self, "this lab");
        names.put(a, "A");
        lab.cleanup("stopped the family A-F", () -> names.keySet().stream().filter(pid -> pid != self)
                .forEach(pid -> killIfAlive(pid)));
        // Whether A died is the Reaper's to say, not /proc's: while a JVM execs from its main thread (not the
        // thread group's leader), the leader shows as a zombie until the exec has taken over its pid.
        lab.await("A (pid " + a + ") has exec'd sh and then sleep 601, and its children run",
                () -> puppet.exit().isDone() || familySettled(a));
        if (puppet.exit().isDone()) {
            throw new Lab.CannotRun("the subreaper A exited with status " + puppet.exit().join().status() + ": " + readQuietly(aErrors));
        }
        int b = childRunning(a, "sh");
        int c = childRunning(b, "sleep");
        int d = childRunning(a, "sleep");
        int e = childRunning(d, "sh");
        int f = childRunning(e, "sleep");
        for (int[] pair : new int[][] {{b, 'B'}, {c, 'C'}, {d, 'D'}, {e, 'E'}, {f, 'F'}}) {
            names.put(lab.pid(pair[0]), String.valueOf((char) pair[1]));
        }
        List<Event> history = new ArrayList<>(List.of(
                new Spawned(self, a, "java", false),
                new Subreaper(a),
                new Exec(a, "/bin/sh"),
                new Spawned(a, b, "sh", false),
                new Spawned(b, c, "sleep", false),
                new Spawned(a, d, "sh", false),
                new Spawned(d, e, "sh", false),
                new Spawned(e, f, "sleep", false),
                new Exec(d, "/bin/sleep"),
                new Exec(a, "/bin/sleep")));
        out.say("What happened, in order (" + letters(names) + "):");
        for (Event event : history) {
            out.say("  " + event + "   " + tell(event, names));
        }
        lab.show(familyTree("The family", self, outside, names));

        int[][] exits = {{e, f}, {b, c}, {a, c, d, f}};
        for (int[] story : exits) {
            int dying = story[0];
            history.add(new Exited(dying));
            Map<Integer, Integer> predicted = callBounded(lab, "parents()", () -> yours.parents(List.copyOf(history)));
            out.command("kill -KILL " + dying + "    # " + names.get(dying) + " exits");
            Posix.kill(dying, Posix.SIGKILL);
            lab.await(names.get(dying) + " (pid " + dying + ") has exited and its children have a new parent",
                    () -> !Procs.alive(dying) && Procs.children(dying).stream().noneMatch(Procs::alive));
            compare(lab, names, history, predicted, outside, self);
            List<String> moved = new ArrayList<>();
            for (int i = 1; i < story.length; i++) {
                moved.add(names.get(story[i]) + " → " + who(Procs.ppid(story[i]), names, outside));
            }
            lab.passed(names.get(dying) + " exited; the kernel agrees with your parents(): " + String.join(", ", moved) + ".",
                    explain(names.get(dying)));
        }
        // No picture of the end: C, D and F are siblings under pid 1 now, and a picture lists siblings in the
        // order of their pids, which the three shells' forks decide differently from run to run.
    }

    private static String explain(String dying) {
        return switch (dying) {
            case "E" -> "F went up past D to A: D was started by a subreaper, but the flag is not inherited (fork, clone,\n"
                    + "  posix_spawn); A keeps it although it has exec'd twice since: execve does not clear it.";
            case "B" -> "C went to A, its grandparent, because A is a child subreaper: the nearest one above B.";
            default -> "A itself was a subreaper, but it is the one exiting: its orphans go to the next subreaper above it.\n"
                    + "  There is none (this lab is not one, yet), so they go to pid 1, the machine's init.";
        };
    }

    /** Your prediction against the kernel, for every process of the family still alive. */
    private static void compare(Lab lab, Map<Integer, String> names, List<Event> history, Map<Integer, Integer> predicted,
                                int outside, int self) {
        List<String> wrong = new ArrayList<>();
        Map<Integer, Integer> real = new LinkedHashMap<>();
        for (int pid : names.keySet()) {
            if (pid != self && Procs.alive(pid)) {
                real.put(pid, Procs.ppid(pid));
            }
        }
        for (Map.Entry<Integer, Integer> entry : real.entrySet()) {
            Integer theirs = predicted == null ? null : predicted.get(entry.getKey());
            int kernel = entry.getValue();
            boolean same = theirs != null && (theirs == kernel || (theirs == 1 && kernel == outside));
            if (!same) {
                wrong.add(names.get(entry.getKey()) + "'s parent: the kernel says " + who(kernel, names, outside)
                        + ", your parents() said " + (theirs == null ? "nothing" : who(theirs, names, outside)));
            }
        }
        if (!wrong.isEmpty()) {
            Event last = history.get(history.size() - 1);
            throw lab.fail("parents() knows who adopts the orphans when " + names.get(((Exited) last).pid()) + " exits",
                    "what the kernel did (pids: " + letters(names) + ")", String.join("; ", wrong));
        }
    }

    private static boolean familySettled(int a) {
        if (!Procs.settled(a, "sleep")) {
            return false;
        }
        List<Integer> kids = Procs.children(a);
        return kids.size() == 2
                && kids.stream().anyMatch(k -> Procs.settledWithChild(k, "sh", "sleep"))
                && kids.stream().anyMatch(k -> Procs.settled(k, "sleep")
                        && Procs.children(k).stream().anyMatch(e -> Procs.settledWithChild(e, "sh", "sleep")));
    }

    private static int childRunning(int parent, String program) {
        return Procs.children(parent).stream().filter(k -> Procs.settled(k, program)).findFirst()
                .orElseThrow(() -> new Lab.CannotRun("pid " + parent + " has no child running " + program));
    }

    private static String letters(Map<Integer, String> names) {
        List<String> parts = new ArrayList<>();
        names.forEach((pid, name) -> parts.add(name + " = " + pid));
        return String.join(", ", parts);
    }

    private static String tell(Event event, Map<Integer, String> names) {
        if (event instanceof Spawned s) {
            return "(" + names.get(s.parent()) + " started " + names.get(s.child()) + ")";
        }
        if (event instanceof Subreaper s) {
            return "(" + names.get(s.pid()) + ")";
        }
        if (event instanceof Exec x) {
            return "(" + names.get(x.pid()) + ")";
        }
        return "";
    }

    private static String who(int pid, Map<Integer, String> names, int outside) {
        if (names.containsKey(pid)) {
            return names.get(pid) + " (" + pid + ")";
        }
        return pid == 1 ? "pid 1" : pid == outside ? "pid " + pid + " (the subreaper above this lab)" : "pid " + pid;
    }

    private static ProcessTree familyTree(String title, int self, int outside, Map<Integer, String> names) {
        ProcessTree tree = ProcessTree.titled(title).init();
        if (outside != 1) {
            tree.show(outside, Kind.INIT, "adopts orphans");
        }
        tree.show(self, Kind.LAB, "this lab", "java … lab03_subreaper.Lab03");
        names.forEach((pid, name) -> {
            if (pid != self) {
                Procs.Proc p = Procs.read(pid);
                tree.show(pid, name.equals("A") ? Kind.SHIM : Kind.HELPER, name,
                        name + ": " + (p == null ? "" : p.command()) + (name.equals("A") ? "   (subreaper)" : ""));
            }
        });
        return tree;
    }

    /** The puppet A: become a child subreaper, then become a shell running {@code script}, keeping pid and flag. */
    static int subreaperThenExec(String script) throws Exception {
        Posix.setChildSubreaper();
        CLibrary c = jnr.ffi.LibraryLoader.create(CLibrary.class).load("c");
        c.execv("/bin/sh", new String[] {"sh", "-c", script});
        System.err.println("execv /bin/sh failed: " + Posix.strerror(Posix.errno()));
        return 2;
    }

    // --- the stretch: pid namespaces ----------------------------------------------------------------------------

    /**
     * A container whose init starts X, which starts Y; X exits. This lab is a subreaper now, and the container's
     * init is not: yet Y goes to the init, which is pid 1 of the container's pid namespace.
     */
    private static void insideContainer(Lab lab, Stretch yours, Reaper reaper, int self) throws Exception {
        Out out = lab.out();
        lab.say("This lab is a child subreaper now. A container whose init starts X, which starts Y; then X exits.");
        Path bundle = RuncBundle.create(lab, "family", List.of("sh", "-c", "sh -c 'sleep 606 & wait' & exec sleep 605"));
        String root = RuncBundle.runcRoot(lab);
        lab.cleanup("runc kill + delete --force family", () -> killAndDelete(lab, "family"));
        Path pidFile = bundle.resolve("init.pid");
        List<String> create = List.of("runc", "--root", root, "--log", bundle.resolve("log.json").toString(), "--log-format", "json",
                "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "family");
        out.command("runc --root " + root + " create --bundle " + bundle + " --pid-file " + pidFile + " family");
        out.command("runc --root " + root + " start family");
        Reaper.Child runcCreate = reaper.spawn(Spawn.of(Runc.resolve(RuncBundle.RUNC), create).cwd(bundle));
        int r = lab.pid(runcCreate.pid());
        if (runcCreate.exit().get(60, TimeUnit.SECONDS).status() != 0) {
            throw new Lab.CannotRun("runc create failed (see " + bundle.resolve("log.json") + ")");
        }
        int init = lab.pid(Integer.parseInt(Files.readString(pidFile).trim()));
        runcOf(lab, "family").start("family");
        lab.await("the container's init " + init + " has exec'd sleep 605, and X its sleep 606",
                () -> Procs.settled(init, "sleep") && Procs.children(init).stream().anyMatch(k -> Procs.settledWithChild(k, "sh", "sleep")));
        int x = lab.pid(childRunning(init, "sh"));
        int y = lab.pid(childRunning(x, "sleep"));
        Map<Integer, String> names = new LinkedHashMap<>();
        names.put(self, "this lab");
        names.put(r, "runc");
        names.put(init, "the container's init");
        names.put(x, "X");
        names.put(y, "Y");
        List<Event> history = List.of(
                new Subreaper(self),
                new Spawned(self, r, "runc", false),
                new Spawned(r, init, "runc init", true),
                new Exited(r),
                new Exec(init, "/bin/sh"),
                new Spawned(init, x, "sh", false),
                new Spawned(x, y, "sleep", false),
                new Exec(init, "/bin/sleep"),
                new Exited(x));
        out.say("What happened, in order (" + letters(names) + "):");
        history.forEach(event -> out.say("  " + event));
        Map<Integer, Integer> predicted = callBounded(lab, "parents()", () -> yours.parents(history));
        out.command("kill -KILL " + x + "    # X exits");
        Posix.kill(x, Posix.SIGKILL);
        lab.await("X (pid " + x + ") has exited and Y has a new parent", () -> Procs.ppid(y) != x);
        int real = Procs.ppid(y);
        Integer theirs = predicted == null ? null : predicted.get(y);
        Integer theirsInit = predicted == null ? null : predicted.get(init);
        if (theirs == null || theirs != real || theirsInit == null || theirsInit != self) {
            throw lab.fail("parents() knows who adopts Y inside the container",
                    "Y's parent " + who(real, names, -1) + ", the container's init's parent " + who(self, names, -1),
                    "Y's parent " + (theirs == null ? "nothing" : who(theirs, names, -1)) + ", the init's parent "
                            + (theirsInit == null ? "nothing" : who(theirsInit, names, -1)));
        }
        ProcessTree tree = ProcessTree.titled("Inside the container, after X exited").init()
                .show(self, Kind.LAB, "this lab", "java … lab03_subreaper.Lab03   (subreaper)")
                .show(init, Kind.CONTAINER, "container init")
                .show(y, Kind.CONTAINER, "Y", "Y: sleep 606");
        lab.show(tree);
        lab.check(real == init, "Y went to the container's init, pid 1 of its namespace, not up to this lab, the subreaper.",
                "The search for a subreaper never leaves the orphan's pid namespace: its init is the namespace's reaper.",
                "So a shim never sees the orphans of a container with a pid namespace of its own; the container's init",
                "must reap them, which is why images use an init (tini, dumb-init, `docker run --init`) when their main",
                "program does not wait for its children. Without a pid namespace, they all come to the shim (lab 04).");
    }

    // --- helpers ---------------------------------------------------------------------------------------------

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

    private static void killIfAlive(int pid) {
        try {
            if (Procs.alive(pid)) {
                Posix.kill(pid, Posix.SIGKILL);
            }
        } catch (Exception gone) {
            // gone meanwhile
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (Exception e) {
            return "(no message)";
        }
    }

    /** Runs your code on another thread: a loop that never ends must end in a clear message, not a hung lab. */
    private static <T> T callBounded(Lab lab, String call, Callable<T> body) throws Exception {
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
