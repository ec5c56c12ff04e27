///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Zombies.java
//SOURCES solution/Zombies.java
//SOURCES exercise/EarlyExitsStretch.java
//SOURCES solution/EarlyExitsStretch.java
//DESCRIPTION Lab 04: zombies, the reaper loop, exit status vs signal, orphans, and the JDK's reaper trap.
package lab04_reap_zombies;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import kit.Lab;
import kit.Out;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.Scheduler;
import kit.Sh;

/**
 * Lab 04: what "reaping" is. A child that exits stays in the process table as a zombie, holding its exit status,
 * until its parent waits for it. A shim is the parent of every container it runs (lab 03), so it must wait for
 * each of them, and for orphans it never started: one {@code waitpid(-1)} loop, the shim's {@link Reaper}.
 * Which is also why nothing else in the shim may wait: the last part catches the JDK doing it.
 */
public final class Lab04 {

    /** waitpid(2) as the kernel offers it: the pid reaped (or 0), the raw status word in {@code status[0]}. */
    public interface WaitCall {
        int waitpid(int pid, int[] status, int options) throws PosixException;
    }

    /** What you write in exercise/Zombies.java. */
    public interface Exercise {
        /**
         * The exit status containerd reports for a raw wait status word: the exit code of a process that exited,
         * or 128 + the signal's number for one a signal killed.
         */
        int exitStatus(int rawStatus);

        /**
         * Collects every child that has exited so far, without blocking, through {@code call}: pid → exit status
         * (decoded), in the order reaped. Children that still run stay; no children at all is not an error.
         */
        Map<Integer, Integer> reapAll(WaitCall call) throws Exception;
    }

    /** The stretch exercise, in exercise/EarlyExitsStretch.java: exits that come before their pid is known. */
    public interface Stretch {
        /** A start (runc create or exec) begins; returns a number for it (its window). */
        int open();

        /** The reaper saw an exit of a pid no known process has. True if an open window may still claim it. */
        boolean offer(int pid, int status);

        /** The start is over and its pid known: that pid's exit status if it came during the window, else empty. */
        OptionalInt close(int window, int pid);

        /** How many exits are kept right now (a shim must not grow without bound). */
        int kept();
    }

    public static void main(String[] args) {
        System.exit(Lab.run("04", "reap zombies", "labs/lab04_reap_zombies/exercise/Zombies.java", args, Lab04::zombies));
    }

    /** The raw words the kernel writes (wait(2)): exit code << 8, or the signal (| 0x80 when a core was dumped). */
    private static final int[][] STATUS_WORDS = {
        {0x0000, 0, 0}, {0x0300, 3, 0}, {0xff00, 255, 0}, {0x000f, 143, 0}, {0x0009, 137, 0}, {0x008b, 139, 1}, {0x0086, 134, 1},
    };

    static void zombies(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab04_reap_zombies.solution.Zombies() : new lab04_reap_zombies.exercise.Zombies();
        Out out = lab.out();
        int self = lab.pid(Posix.getpid());

        lab.step("1. Three children, three ways to end");
        Map<Integer, String> children = new LinkedHashMap<>();
        Map<Integer, Integer> expected = new LinkedHashMap<>();
        for (String[] c : new String[][] {{"exit 3", "3"}, {"kill -TERM $$", "143"}, {"exit 0", "0"}}) {
            int pid = lab.pid(Spawn.of("/bin/sh", List.of("sh", "-c", c[0])).start());
            children.put(pid, c[0]);
            expected.put(pid, Integer.parseInt(c[1]));
            lab.cleanup("reaped child " + pid + " if still a zombie", () -> reapQuietly(pid));
            out.say("spawned pid " + pid + ": sh -c '" + c[0] + "'");
        }
        int sleeper = lab.pid(Spawn.of("/bin/sleep", List.of("sleep", "600")).start());
        lab.cleanup("stopped and reaped the sleeping child " + sleeper, () -> {
            if (Procs.read(sleeper) != null && Procs.ppid(sleeper) == self) {
                Posix.kill(sleeper, Posix.SIGKILL);
                reapQuietly(sleeper);
            }
        });
        out.say("spawned pid " + sleeper + ": sleep 600   (it stays: a child that has not exited)");
        lab.await("the three children have exited (zombies)",
                () -> children.keySet().stream().allMatch(pid -> Procs.read(pid) != null && Procs.read(pid).zombie()));
        lab.say("Three have exited. Nobody has waited for them yet:");
        List<String> ps = new ArrayList<>(List.of("ps", "-o", "pid,ppid,stat,args", "-p"));
        ps.add(String.join(",", children.keySet().stream().map(String::valueOf).toList()) + "," + sleeper);
        out.command(Sh.quote(ps));
        out.outputTable(Sh.run(ps).stdout(), 4);
        List<Integer> shown = new ArrayList<>(children.keySet());
        shown.add(sleeper);
        lab.show(tree("Before: three zombies and a sleeper", self, shown));
        lab.say("Each exited one is a zombie (Z, <defunct>): dead, but still in the process table, holding its exit",
                "status for its parent. Zombies use no memory or CPU, but each holds a pid; a shim that never waits",
                "would fill the pid space with dead containers, and could never tell containerd how they ended.");

        lab.step("2. The status word: your exitStatus()");
        lab.say("waitpid hands back a raw status word. containerd wants one number: the exit code, or 128 + the signal.");
        for (int[] word : STATUS_WORDS) {
            int got = yours.exitStatus(word[0]);
            out.say(String.format("exitStatus(0x%04x) = %d%s", word[0], got, word[2] == 1 ? "   (core dumped)" : ""));
            if (got != word[1]) {
                throw lab.fail("exitStatus(0x" + String.format("%04x", word[0]) + ") is what containerd reports",
                        word[1] + " (" + (word[1] < 128 ? "exited with " + word[1] : "killed by signal " + (word[1] - 128)
                                + (word[2] == 1 ? ", and a core was dumped: bit 0x80 is not part of the signal" : "")) + ")",
                        String.valueOf(got));
            }
        }
        lab.passed("All seven words decoded as containerd reports them.",
                "Low 7 bits 0: the process exited, its code in bits 8-15. Otherwise those 7 bits are the signal that",
                "killed it, and bit 0x80 says whether a core was dumped. Exit.statusOf in the shim's reaper package.");

        lab.step("3. Reap them: your reapAll()");
        WaitCall kernel = Posix::waitpid;
        Map<Integer, Integer> reaped = callBounded(lab, () -> yours.reapAll(kernel));
        reaped.forEach((pid, status) -> out.say("reaped pid " + lab.pid(pid) + ": exit status " + status));
        List<Integer> left = children.keySet().stream().filter(pid -> Procs.read(pid) != null).toList();
        if (!left.isEmpty() || !reaped.keySet().equals(children.keySet())) {
            throw lab.fail("reapAll() reaps every child that has exited, and only those",
                    "pids " + children.keySet() + " reaped and gone from the process table",
                    "it returned " + reaped.keySet() + (left.isEmpty() ? "" : "; still zombies: " + left));
        }
        if (!reaped.equals(expected)) {
            throw lab.fail("reapAll() returns each child's exit status, decoded", "statuses " + expected, String.valueOf(reaped));
        }
        lab.show(tree("After: reaped", self, shown));
        lab.check(Procs.alive(sleeper), "All three reaped, with their statuses; the sleeping child was left alone.",
                "With WNOHANG, waitpid returns 0 when children remain but none has exited: the moment to stop.");

        lab.say("A signal may interrupt any system call: waitpid then fails with EINTR, and the right answer is to call",
                "it again. Two more children exit; this time the lab's waitpid is interrupted once, as by a signal:");
        Map<Integer, Integer> again = new LinkedHashMap<>();
        for (int code : new int[] {5, 6}) {
            int pid = lab.pid(Spawn.of("/bin/sh", List.of("sh", "-c", "exit " + code)).start());
            again.put(pid, code);
            lab.cleanup("reaped child " + pid + " if still a zombie", () -> reapQuietly(pid));
        }
        lab.await("the two children have exited", () -> again.keySet().stream().allMatch(pid -> Procs.read(pid).zombie()));
        boolean[] interrupted = {false};
        WaitCall interruptedOnce = (pid, status, options) -> {
            if (!interrupted[0]) {
                interrupted[0] = true;
                throw new PosixException("waitpid", String.valueOf(pid), Posix.EINTR);
            }
            return Posix.waitpid(pid, status, options);
        };
        Map<Integer, Integer> afterSignal = callBounded(lab, () -> yours.reapAll(interruptedOnce));
        if (!afterSignal.equals(again)) {
            throw lab.fail("reapAll() calls waitpid again after EINTR", "pids and statuses " + again,
                    afterSignal + (interrupted[0] ? " (waitpid failed once with EINTR)" : ""));
        }
        lab.passed("Interrupted once, reapAll() went on: both reaped (" + afterSignal.values() + ").");

        lab.say("The last child, the sleeper, is killed and reaped by the lab. Now there are no children at all:");
        Posix.kill(sleeper, Posix.SIGKILL);
        Posix.waitpid(sleeper, new int[1], 0);
        Map<Integer, Integer> none = callBounded(lab, () -> yours.reapAll(kernel));
        lab.check(none.isEmpty(), "reapAll() with no children returned nothing, without an error.",
                "waitpid(-1) fails with ECHILD when there are no children: not an error for a reaper, just \"none\".",
                "The shim's Reaper then sleeps until it starts a child (or adopts one).");

        lab.step("4. Orphans: children we never had");
        Reaper reaper = Reaper.start();
        Sh.useReaper(reaper);
        Posix.setChildSubreaper();
        Map<Integer, CompletableFuture<Exit>> others = new ConcurrentHashMap<>();
        reaper.subscribe(exit -> others.computeIfAbsent(exit.pid(), p -> new CompletableFuture<>()).complete(exit));
        lab.say("Now the shim's own Reaper runs (one thread, waitpid(-1) in a loop), and we are a child subreaper.");
        Path gate = lab.work().resolve("gate");
        Posix.mkfifo(gate.toString(), 0600);
        out.command("sh -c 'cat " + gate + " >/dev/null & echo $!'   # sh starts cat in the background, prints its pid, and exits");
        Sh.Result r = Sh.run("/bin/sh", "-c", "cat " + gate + " >/dev/null & echo $!");
        int orphan = lab.pid(Integer.parseInt(r.stdout().trim()));
        lab.cleanup("killed the orphan " + orphan + " if still running", () -> {
            if (Procs.alive(orphan) && Procs.ppid(orphan) == self) {
                Posix.kill(orphan, Posix.SIGKILL);
            }
        });
        // cat waits for a writer on the FIFO: asleep, and it stays so until we open the FIFO (no clock involved).
        lab.await("the orphan " + orphan + " runs cat, waiting for a writer", () -> Procs.settled(orphan, "cat"));
        lab.show(ProcessTree.titled("An orphan, adopted").init().show(self, Kind.LAB, "this lab", "java … lab04_reap_zombies.Lab04")
                .show(orphan, Kind.HELPER, "orphan (sh's child)"));
        lab.check(Procs.ppid(orphan) == self, "sh has exited; its child cat (pid " + orphan + ") was handed to us, its subreaper.");
        out.command(": > " + gate + "      # open the FIFO for writing and close it again: cat reads the end and exits");
        Posix.close(Posix.open(gate.toString(), Posix.O_WRONLY, 0));
        Exit orphanExit = others.computeIfAbsent(orphan, p -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
        lab.check(orphanExit.status() == 0, "Our reaper collected it: pid " + orphan + ", exit status " + orphanExit.status() + ".",
                "The Reaper did not know this pid: it hands such exits to its subscribers. In a container without a",
                "pid namespace of its own, every process the container leaves behind arrives this way.");

        lab.step("5. The trap: a second waiter");
        lab.say("The JDK has its own reaper: for each ProcessBuilder child, a thread of the JDK calls waitpid(thatPid).",
                "Ours calls waitpid(-1), any child. When a child exits, the kernel wakes both; the first one to run",
                "takes the exit status, the other finds no such child. In a real program that is a race, lost now",
                "and then, on a busy machine more often. To see the loss every time, we stack the odds for our reaper:");
        Reaper.Child keeper = reaper.spawn(Spawn.of("/bin/sleep", List.of("sleep", "600")));
        lab.cleanup("stopped sleep 600, which kept our reaper waiting", () -> {
            Posix.kill(keeper.pid(), Posix.SIGKILL);
            keeper.exit().get(30, TimeUnit.SECONDS);
        });
        int code;
        int jdkPid;
        try (Scheduler scheduler = Scheduler.oneCpu()) {
            int reaperThread = Scheduler.threadNamed("reaper");
            scheduler.realtime(reaperThread);
            out.say("- every thread of this lab runs on one CPU, and so does every child it starts (they inherit it):",
                    "  only one of them runs at any moment;",
                    "- our reaper thread runs at real-time priority (SCHED_FIFO): when the kernel wakes it together with",
                    "  the JDK's thread, it always runs first;",
                    "- a child of ours (sleep 600) keeps our reaper inside waitpid(-1), blocked and ready. With no child",
                    "  at all, waitpid(-1) fails at once (ECHILD) and our Reaper only looks again every 200 ms.");
            lab.await("our reaper thread sleeps in waitpid(-1)", () -> Scheduler.blockedInWait(reaperThread));
            out.command("new ProcessBuilder(\"/bin/sh\", \"-c\", \"exit 7\").start().waitFor()");
            Process p = new ProcessBuilder("/bin/sh", "-c", "exit 7").start();
            jdkPid = lab.pid((int) p.pid());
            code = p.waitFor();
        }
        Exit stolen;
        try {
            // waitFor() may return before our reaper's thread has handed the exit to its subscribers: wait for it
            stolen = others.computeIfAbsent(jdkPid, p -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            stolen = null;
        }
        lab.check(code != 7 && stolen != null && stolen.status() == 7,
                "Process.waitFor() returned " + code + " for pid " + jdkPid + ", which exited with 7: our reaper had taken"
                        + " its status (it says exit status " + (stolen == null ? "?" : stolen.status()) + ").",
                "No exception, no warning: just a wrong exit code (the JDK's waitpid got ECHILD, and the JDK calls that",
                "0). Without the stacked odds the same happens at random. So a process that reaps with waitpid(-1) must",
                "start every child itself and register it first: the shim starts runc only through Reaper.spawn",
                "(posix_spawn), never through ProcessBuilder, and these labs run ctr and ps the same way (kit/Sh.java).");

        lab.stretch("an exit before its pid is known", "labs/lab04_reap_zombies/exercise/EarlyExitsStretch.java",
                (stretchLab, solution) -> earlyExits(stretchLab, solution
                        ? new lab04_reap_zombies.solution.EarlyExitsStretch() : new lab04_reap_zombies.exercise.EarlyExitsStretch()));
    }

    /**
     * The stretch: runc create returns after the container's init runs, and only then does the shim read its pid;
     * an init that exits at once is reaped before anyone knows whose exit it is. Four stories, each a claim.
     */
    private static void earlyExits(Lab lab, Stretch yours) {
        lab.say("runc create returns once the container's init runs; only then does the shim read the init's pid. An",
                "init that exits at once has been reaped by then, as the exit of an unknown pid. Your matcher keeps",
                "such exits while a start is in flight (a window), and only then.");
        int w = yours.open();
        boolean kept = yours.offer(100, 0);
        OptionalInt early = yours.close(w, 100);
        expect(lab, kept && early.equals(OptionalInt.of(0)) && yours.kept() == 0,
                "An exit during a start is handed to that start once its pid is known, and then forgotten",
                "offer(100, 0) → true; close(w, 100) → 0; kept() → 0",
                "offer → " + kept + "; close → " + early + "; kept() → " + yours.kept());

        int orphan = yours.offer(102, 1) ? 1 : 0;
        w = yours.open();
        OptionalInt stale = yours.close(w, 102);
        expect(lab, orphan == 0 && stale.isEmpty(),
                "An exit outside any start is an orphan's: forgotten at once, so a reused pid cannot match it later",
                "offer(102, 1) → false with no window open; a later start whose process gets pid 102 → empty",
                "offer → " + (orphan == 1) + "; close(w, 102) → " + stale);

        int w1 = yours.open();
        int w2 = yours.open();
        yours.offer(200, 7);
        OptionalInt other = yours.close(w1, 201);
        OptionalInt both = yours.close(w2, 200);
        expect(lab, other.isEmpty() && both.equals(OptionalInt.of(7)),
                "Two starts in flight: the exit belongs to the one whose process had that pid",
                "close(w1, 201) → empty; close(w2, 200) → 7", "close(w1, 201) → " + other + "; close(w2, 200) → " + both);

        w = yours.open();
        int most = 0;
        for (int pid = 10_000; pid < 30_000; pid++) {
            yours.offer(pid, 137);
            most = Math.max(most, yours.kept());
        }
        OptionalInt storm = yours.close(w, 300);
        expect(lab, storm.isEmpty() && most <= 4096 && yours.kept() == 0,
                "An orphan storm (20,000 exits during one start) keeps at most 4096 exits, and none once it is over",
                "at most 4096 kept during the storm, 0 after close", "at most " + most + " during, " + yours.kept() + " after");
        lab.say("Compare with the shim's task/EarlyExits.java, which the task service opens around every runc create and",
                "exec; the Go shim does the same in its preStart.");
    }

    private static void expect(Lab lab, boolean holds, String claim, String expected, String actual) {
        if (!holds) {
            throw lab.fail(claim, expected, actual);
        }
        lab.passed(claim + ".");
    }

    /**
     * Runs the learner's reapAll() on another thread and waits for it: a call that blocks (waitpid without WNOHANG)
     * or loops forever must end in a clear message, not a lab that hangs. The bound is far above what it takes.
     */
    private static Map<Integer, Integer> callBounded(Lab lab, java.util.concurrent.Callable<Map<Integer, Integer>> call) throws Exception {
        java.util.concurrent.FutureTask<Map<Integer, Integer>> task = new java.util.concurrent.FutureTask<>(call);
        Thread thread = new Thread(task, "your-reapAll");
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw lab.fail("reapAll() returns once nothing more has exited", "a return within milliseconds",
                    "still running after 20 s: does it block (waitpid without WNOHANG), or loop on 0?");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;      // the learner's exception, with its own stack trace: the lab reports where it came from
            }
            throw e;
        }
    }

    private static void reapQuietly(int pid) {
        try {
            if (Procs.read(pid) != null && Procs.read(pid).zombie()) {
                Posix.waitpid(pid, new int[1], Posix.WNOHANG);
            }
        } catch (Exception ignored) {
            // reaped by someone else meanwhile
        }
    }

    private static ProcessTree tree(String title, int self, Iterable<Integer> children) {
        ProcessTree tree = ProcessTree.titled(title).show(self, Kind.LAB, "this lab", "java … lab04_reap_zombies.Lab04");
        children.forEach(pid -> tree.show(pid, Kind.HELPER, "child"));
        return tree;
    }
}
