///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Zombies.java
//SOURCES solution/Zombies.java
//DESCRIPTION Lab 04: zombies, the reaper loop, exit status vs signal, orphans, and the JDK's reaper trap.
package lab04_reap_zombies;

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
        boolean allDead = Procs.await(5_000, () -> children.keySet().stream().allMatch(pid -> Procs.read(pid) != null && Procs.read(pid).zombie()));
        if (!allDead) {
            throw new Lab.CannotRun("the three children did not all exit within 5 s");
        }
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
        out.command("sh -c 'sleep 1 & echo $!'      # sh starts sleep in the background, prints its pid, and exits");
        Sh.Result r = Sh.run("/bin/sh", "-c", "sleep 1 & echo $!");
        int orphan = lab.pid(Integer.parseInt(r.stdout().trim()));
        lab.cleanup("killed the orphan " + orphan + " if still running", () -> {
            if (Procs.alive(orphan) && Procs.ppid(orphan) == self) {
                Posix.kill(orphan, Posix.SIGKILL);
            }
        });
        Procs.await(1_000, () -> Procs.read(orphan) != null && Procs.read(orphan).state() == 'S');   // asleep, not starting
        lab.show(ProcessTree.titled("An orphan, adopted").init().show(self, Kind.LAB, "this lab", "java … lab04_reap_zombies.Lab04")
                .show(orphan, Kind.HELPER, "orphan (sh's child)"));
        lab.check(Procs.ppid(orphan) == self, "sh has exited; its child sleep (pid " + orphan + ") was handed to us, its subreaper.");
        Exit orphanExit = others.computeIfAbsent(orphan, p -> new CompletableFuture<>()).get(10, TimeUnit.SECONDS);
        lab.check(orphanExit.status() == 0, "A second later our reaper collected it: pid " + orphan + ", exit status " + orphanExit.status() + ".",
                "The Reaper did not know this pid: it hands such exits to its subscribers. In a container without a",
                "pid namespace of its own, every process the container leaves behind arrives this way.");

        lab.step("4. The trap: a second waiter");
        lab.say("The JDK has its own reaper: for each ProcessBuilder child, a thread calls waitpid(thatPid). With our",
                "waitpid(-1) running too, whichever thread the kernel wakes first gets the status; the other gets",
                "\"no such child\". We run `sh -c 'sleep 0.01; exit 7'` through ProcessBuilder until the race shows.");
        int runs = 0;
        int wrong = -1;
        int stolenPid = -1;
        while (runs < 200 && wrong < 0) {
            runs++;
            Process p = new ProcessBuilder("/bin/sh", "-c", "sleep 0.01; exit 7").start();
            int code = p.waitFor();
            if (code != 7) {
                wrong = code;
                stolenPid = lab.pid((int) p.pid());
            }
        }
        if (wrong < 0) {
            throw new Lab.CannotRun("the race did not show in 200 runs (a very quiet machine?); run the lab again");
        }
        // waitFor() may return before our reaper's thread has handed the exit to its subscribers: wait for it
        Exit stolen;
        try {
            stolen = others.computeIfAbsent(stolenPid, p -> new CompletableFuture<>()).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            stolen = null;
        }
        lab.check(stolen != null && stolen.status() == 7,
                "After " + Out.vary(runs + " runs", "<n> runs") + ": Process.waitFor() returned " + wrong + " for pid " + stolenPid
                        + ", which exited with 7: our reaper had taken its status (it says exit status "
                        + (stolen == null ? "?" : stolen.status()) + ").",
                "No exception, no warning: just a wrong exit code. So a process that reaps with waitpid(-1) must start",
                "every child itself and register it first: the shim starts runc only through Reaper.spawn (posix_spawn),",
                "never through ProcessBuilder, and these labs run ctr and ps the same way (kit/Sh.java).");
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
