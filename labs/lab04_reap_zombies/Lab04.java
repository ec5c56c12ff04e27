///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Zombies.java
//SOURCES solution/Zombies.java
//DESCRIPTION Lab 04: zombies, the reaper loop, exit status vs signal, orphans, and the JDK's reaper trap.
package lab04_reap_zombies;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.jrunc.shim.posix.Posix;
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
    /** A child collected by waitpid: its pid and the raw status word the kernel returned. */
    public record Reaped(int pid, int rawStatus) {
    }

    /** What you write in exercise/Zombies.java. */
    public interface Exercise {
        /** Collects every child that has exited so far (without blocking); returns what waitpid returned. */
        List<Reaped> reapAll() throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("04", "reap zombies", "labs/lab04_reap_zombies/exercise/Zombies.java", args, Lab04::zombies));
    }

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
        lab.await("the three children have exited (zombies)",
                () -> children.keySet().stream().allMatch(pid -> Procs.read(pid) != null && Procs.read(pid).zombie()));
        lab.say("All three have exited. Nobody has waited for them yet:");
        List<String> ps = new ArrayList<>(List.of("ps", "-o", "pid,ppid,stat,args", "-p"));
        ps.add(String.join(",", children.keySet().stream().map(String::valueOf).toList()));
        out.command(Sh.quote(ps));
        out.outputTable(Sh.run(ps).stdout(), 4);
        lab.show(tree("Before: three zombies", self, children.keySet()));
        lab.check(true, "Each is a zombie (Z, <defunct>): dead, but still in the process table, holding its exit status",
                "for its parent. Zombies use no memory or CPU, but each holds a pid; a shim that never waits would fill",
                "the pid space with dead containers, and could never tell containerd how they ended.");

        lab.step("2. Reap them: your reapAll()");
        List<Reaped> reaped = yours.reapAll();
        for (Reaped r : reaped) {
            lab.pid(r.pid());
            int status = Exit.statusOf(r.rawStatus());
            String how = (r.rawStatus() & 0x7f) == 0
                    ? "exited with " + ((r.rawStatus() >> 8) & 0xff)
                    : "killed by signal " + (r.rawStatus() & 0x7f);
            out.say(String.format("waitpid → pid %d, raw status 0x%04x: %s → exit status %d", r.pid(), r.rawStatus(), how, status));
        }
        List<Integer> left = children.keySet().stream().filter(pid -> Procs.read(pid) != null).toList();
        if (!left.isEmpty()) {
            throw lab.fail("After reapAll() no zombie is left", "pids " + children.keySet() + " gone from the process table",
                    "still there: " + left + " (reapAll returned " + reaped.size() + " statuses)");
        }
        for (Reaped r : reaped) {
            Integer want = expected.get(r.pid());
            if (want == null || Exit.statusOf(r.rawStatus()) != want) {
                throw lab.fail("reapAll() returns each child's pid and raw status",
                        "statuses " + expected, "pid " + r.pid() + " with raw status " + r.rawStatus());
            }
        }
        lab.show(tree("After: reaped", self, children.keySet()));
        lab.check(reaped.size() == 3, "All three reaped; the zombies are gone.",
                "The raw status word packs two cases: a normal exit (low 7 bits 0, exit code in bits 8-15) or death",
                "by a signal (its number in the low 7 bits). containerd wants one number: the exit code, or 128 +",
                "the signal (143 = 128 + SIGTERM 15). Exit.statusOf in shim/src/main/java/dev/jrunc/shim/reaper does that.");

        lab.step("3. Orphans: children we never had");
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

        lab.step("4. The trap: a second waiter");
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
