///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Detach.java
//SOURCES solution/Detach.java
//DESCRIPTION Lab 02: the double spawn; the daemon outlives its parents.
package lab02_detach;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jrunc.shim.posix.Poller;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import kit.Lab;
import kit.Out;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.Sh;

/**
 * Lab 02: how {@code containerd-shim-… start} leaves a shim behind that does not belong to containerd.
 *
 * <p>Three processes play the parts, all started from this file: a stand-in for containerd (it runs {@code start}
 * and reads its output to the end, as containerd does with Go's CombinedOutput), the {@code start} process (it
 * spawns the daemon through your code and exits at once), and the daemon (a {@code sleep} standing in for the
 * shim). Then we kill the stand-in containerd with its whole process group and look who is left.
 */
public final class Lab02 {
    /** What you write in exercise/Detach.java. */
    public interface Exercise {
        /** Starts the long-running daemon from {@code start}; returns its pid. {@code start} exits right after. */
        int spawnDaemon(String program, List<String> argv) throws PosixException;
    }

    static final String DAEMON_NAME = "lab02-daemon";

    public static void main(String[] args) throws Exception {
        int role = List.of(args).indexOf("--role");
        if (role >= 0) {
            System.exit(playRole(args[role + 1], Path.of(args[role + 2]), List.of(args).contains("--solution")));
        }
        System.exit(Lab.run("02", "detach", "labs/lab02_detach/exercise/Detach.java", args, Lab02::detach));
    }

    static void detach(Lab lab) throws Exception {
        Out out = lab.out();
        Path work = lab.work();
        int self = lab.pid(Posix.getpid());

        lab.step("1. A stand-in for containerd runs `start`");
        lab.say("We start three processes, all from this file (Lab02.java, with --role):",
                "  containerd   (stand-in) runs `start` with its stdout and stderr on a pipe, and reads that pipe",
                "               to its end, as containerd reads a shim's `start` with Go's CombinedOutput;",
                "  start        calls your spawnDaemon(), prints the daemon's pid (the shim prints its address), exits;",
                "  the daemon   `sleep 600`, named " + DAEMON_NAME + ", standing in for the shim's long-running process.",
                "The stand-in containerd gets a session of its own, like a containerd started by a service manager.");
        List<String> containerdArgv = javaArgv("containerd", work, lab.solution());
        int containerd = lab.pid(startStandIn(containerdArgv, work.resolve("containerd.out")));
        lab.cleanup("killed the stand-in containerd's process group", () -> killGroup(containerd));
        Path report = work.resolve("report.txt");
        if (!Procs.await(60_000, () -> Files.exists(report))) {
            throw new Lab.CannotRun("the stand-in containerd wrote no report within 60 s; its output: " + read(work.resolve("containerd.out")));
        }
        List<String> lines = Files.readAllLines(report);
        int start = lab.pid(Integer.parseInt(value(lines, "start-pid")));
        int daemon = lab.pid(Integer.parseInt(value(lines, "daemon-pid")));
        lab.cleanup("killed the daemon " + DAEMON_NAME, () -> killIfOurs(daemon));
        lab.say("containerd (stand-in) is pid " + containerd + "; `start` was pid " + start + "; the daemon is pid " + daemon + ".");
        lab.check(!Procs.alive(start), "`start` has exited (status " + value(lines, "start-status") + ").");

        lab.step("2. containerd waits for `start`'s output to end");
        String eof = value(lines, "eof-after-ms");
        if (eof.equals("never")) {
            throw lab.fail("containerd sees the end of `start`'s output as soon as `start` exits",
                    "end of file on the pipe right after `start` exited",
                    "no end of file after `start` had exited: the daemon inherited the pipe's write end as its stdout/stderr,"
                            + " so containerd would wait as long as the shim lives (and never create the container)");
        }
        lab.check(true, "containerd read `" + value(lines, "output") + "` and then end of file, " + Out.millis(Long.parseLong(eof)) + " after starting `start`.",
                "The daemon's stdin, stdout and stderr are /dev/null: it holds nothing containerd waits on.");

        lab.step("3. Who adopted the daemon?");
        int adopter = lab.pid(Procs.ppid(daemon));
        Procs.Proc d = Procs.read(daemon);
        lab.show(tree("Before: `start` has exited", self, containerd, adopter, daemon));
        lab.check(adopter != start && adopter != containerd,
                "The daemon's parent is pid " + adopter + ", not `start` (gone) and not containerd (pid " + containerd + ").",
                "`start` exited, so its orphan went to the nearest child subreaper above it, or pid 1. containerd",
                "cannot wait for the shim, and does not need to: it talks to it over a socket.");
        if (d.sid() != daemon) {
            throw lab.fail("The daemon has a session (and process group) of its own",
                    "session id == process group id == the daemon's pid (" + daemon + ")",
                    "the daemon is in session " + d.sid() + ", process group " + d.pgid() + ": containerd's (pid " + containerd + ")");
        }
        lab.check(true, "The daemon leads a session of its own: SID = PGID = its pid " + daemon + ".",
                "Signals sent to containerd's process group (a Ctrl-C, a service manager stopping containerd) and a",
                "hang-up of containerd's terminal no longer reach it.");

        lab.step("4. Kill containerd, with its whole process group");
        out.command("kill -KILL -- -" + containerd + "    # the stand-in containerd's process group");
        killGroup(containerd);
        lab.await("the stand-in containerd " + containerd + " is gone, and reaped by this lab", () -> Procs.read(containerd) == null);
        lab.show(tree("After: containerd is gone", self, containerd, adopter, daemon));
        lab.check(!Procs.alive(containerd), "The stand-in containerd is gone.");
        lab.check(Procs.alive(daemon), "The daemon lives on (pid " + daemon + ").",
                "That is why containerd can be restarted, upgraded or crash without taking a single container down:",
                "each shim is a daemon of its own, re-parented, in its own session. Lab 08 does it to a real containerd.");
    }

    /** The three parts the other processes play. Returns the process's exit status. */
    static int playRole(String role, Path work, boolean solution) throws Exception {
        return switch (role) {
            case "containerd" -> StandIns.containerd(work, javaArgv("start", work, solution));
            case "start" -> StandIns.start(solution ? new lab02_detach.solution.Detach() : new lab02_detach.exercise.Detach());
            default -> 2;
        };
    }

    /** This same file, run again by the same java with the same classpath, in another role. */
    static List<String> javaArgv(String role, Path work, boolean solution) {
        List<String> argv = new ArrayList<>();
        argv.add(ProcessHandle.current().info().command().orElse("java"));
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.add(Lab02.class.getName());
        argv.addAll(List.of("--role", role, work.toString()));
        if (solution) {
            argv.add("--solution");
        }
        return argv;
    }

    private static int startStandIn(List<String> argv, Path output) throws PosixException {
        return Sh.background(argv, output, true);
    }

    private static void killGroup(int leader) throws PosixException {
        Posix.kill(-leader, Posix.SIGKILL);
    }

    /** Kills the daemon only if that pid still is our sleep (pids get reused). */
    private static void killIfOurs(int pid) throws PosixException {
        Procs.Proc p = Procs.read(pid);
        if (p != null && !p.args().isEmpty() && p.args().get(0).equals(DAEMON_NAME)) {
            Posix.kill(pid, Posix.SIGKILL);
        }
    }

    private static ProcessTree tree(String title, int self, int containerd, int adopter, int daemon) {
        ProcessTree tree = ProcessTree.titled(title).init();
        if (adopter != 1) {
            tree.show(adopter, Kind.INIT, "adopts orphans");
        }
        return tree.show(self, Kind.LAB, "this lab", "java … lab02_detach.Lab02")
                .show(containerd, Kind.CONTAINERD, "containerd (stand-in)", "java … Lab02 --role containerd")
                .show(daemon, Kind.SHIM, "the daemon");
    }

    static String value(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst().orElse("");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(none)";
        }
    }

    /** The two stand-in processes. */
    static final class StandIns {
        private StandIns() {
        }

        /**
         * containerd's part: run `start` with stdout+stderr on a pipe, read to end of file, write a report, stay.
         *
         * <p>Real containerd would wait for the end of file forever. The stand-in decides without a clock: once
         * `start` has exited (and so closed its own fds), end of file comes at once unless another process still
         * holds the write end; an empty pipe that does not report end of file then is the answer "never".
         */
        static int containerd(Path work, List<String> startArgv) throws Exception {
            int[] pipe = Posix.pipe();
            long t0 = System.nanoTime();
            int start = Spawn.of(startArgv.get(0), startArgv).stdio(-1, pipe[1], pipe[1]).start();
            Posix.close(pipe[1]);
            StringBuilder output = new StringBuilder();
            String eofAfter = "never";
            byte[] buffer = new byte[4096];
            int[] status = new int[1];
            boolean startExited = false;
            while (true) {
                startExited = startExited || Posix.waitpid(start, status, Posix.WNOHANG) == start;
                if (!Poller.waitReadable(pipe[0], startExited ? 0 : 100)) {
                    if (startExited) {
                        break;      // `start` is gone, the pipe is empty and not at its end: someone else writes
                    }
                    continue;
                }
                int n = Posix.read(pipe[0], buffer, buffer.length);
                if (n == 0) {
                    eofAfter = Long.toString((System.nanoTime() - t0) / 1_000_000);
                    break;
                }
                output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
            if (!startExited) {
                Posix.waitpid(start, status, 0);
            }
            String daemon = output.toString().replaceAll("(?s).*daemon-pid=(\\d+).*", "$1");
            Files.writeString(work.resolve("report.txt.tmp"), String.join("\n",
                    "start-pid=" + start,
                    "start-status=" + dev.jrunc.shim.reaper.Exit.statusOf(status[0]),
                    "daemon-pid=" + daemon,
                    "output=" + output.toString().trim(),
                    "eof-after-ms=" + eofAfter) + "\n");
            Files.move(work.resolve("report.txt.tmp"), work.resolve("report.txt"));
            Thread.sleep(600_000);   // containerd stays up until the lab kills it
            return 0;
        }

        /** `start`'s part: spawn the daemon (your code), say where it is, exit at once. */
        static int start(Exercise yours) throws Exception {
            int daemon = yours.spawnDaemon("/bin/sleep", List.of(DAEMON_NAME, "600"));
            System.out.println("daemon-pid=" + daemon);
            System.out.flush();
            return 0;
        }
    }
}
