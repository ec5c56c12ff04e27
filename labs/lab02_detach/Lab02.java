///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Detach.java
//SOURCES solution/Detach.java
//SOURCES exercise/StartStretch.java
//SOURCES solution/StartStretch.java
//DESCRIPTION Lab 02: the double spawn; the daemon outlives its parents.
package lab02_detach;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.jrunc.shim.posix.Poller;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.posix.UnixSocket;
import kit.Lab;
import kit.Out;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.Sh;

/**
 * Lab 02: how {@code containerd-shim-… start} leaves a shim behind that does not belong to containerd.
 *
 * <p>Three processes play the parts, all started from this file: a stand-in for containerd (it writes the runtime
 * options to {@code start}'s stdin, reads its stdout and stderr to the end as containerd does with Go's
 * CombinedOutput, then dials the address it read), the {@code start} process (it listens on the shim's socket,
 * spawns the daemon through your code, prints the address and exits at once), and the daemon (a {@code sleep}
 * standing in for the shim, holding the listening socket). Then we kill the stand-in containerd with its whole
 * process group and look who is left.
 */
public final class Lab02 {
    /** What you write in exercise/Detach.java. */
    public interface Exercise {
        /**
         * Starts the long-running daemon from {@code start}, handing it {@code listener} (a listening socket, one of
         * our fds) as its fd 3; returns its pid. {@code start} exits right after.
         */
        int spawnDaemon(String program, List<String> argv, int listener) throws PosixException;
    }

    /** Starts a daemon that serves {@code listener} (your spawnDaemon, done); returns its pid. */
    public interface DaemonStarter {
        int start(int listener) throws IOException;
    }

    /** The stretch, in exercise/StartStretch.java: the socket half of {@code start}. */
    public interface Stretch {
        /**
         * Makes sure a daemon serves {@code socket}, starting one through {@code daemons} only if none does; returns
         * the address {@code start} prints ({@code unix://} and the path).
         */
        String start(Path socket, DaemonStarter daemons) throws Exception;
    }

    static final String DAEMON_NAME = "lab02-daemon";
    static final String OPTIONS = "(the runtime options, as protobuf)";

    public static void main(String[] args) throws Exception {
        int role = List.of(args).indexOf("--role");
        if (role >= 0) {
            System.exit(playRole(args[role + 1], Path.of(args[role + 2]), List.of(args)));
        }
        System.exit(Lab.run("02", "detach", "labs/lab02_detach/exercise/Detach.java", args, Lab02::detach));
    }

    static void detach(Lab lab) throws Exception {
        Out out = lab.out();
        Path work = lab.work();
        Path socket = socket(work);
        int self = lab.pid(Posix.getpid());
        out.normalizer().rule("socket:\\[\\d+\\]", "socket:[<inode>]");
        out.normalizer().rule("pipe:\\[\\d+\\]", "pipe:[<inode>]");

        lab.step("1. A stand-in for containerd runs `start`");
        lab.say("We start three processes, all from this file (Lab02.java, with --role):",
                "  containerd   (stand-in) writes the runtime options to `start`'s stdin, takes its stdout and stderr",
                "               on one pipe and reads it to its end, as containerd reads a shim's `start` with Go's",
                "               CombinedOutput; then it dials the address `start` printed;",
                "  start        listens on the shim's socket (" + socket + "), calls your spawnDaemon(),",
                "               prints the address and exits;",
                "  the daemon   `sleep 600`, named " + DAEMON_NAME + ", standing in for the shim's long-running process;",
                "               it holds the listening socket as its fd 3 (it never accepts: containerd's connection",
                "               waits in the socket's backlog, as it does while a real shim's JVM starts).",
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
        if (value(lines, "start-status").equals("3")) {
            throw lab.fail("`start` runs your spawnDaemon() without an exception", "the daemon's pid",
                    "`start` printed: " + value(lines, "output"));
        }
        if (!value(lines, "start-status").equals("0")) {
            throw new Lab.CannotRun("`start` failed (exit status " + value(lines, "start-status") + "): " + value(lines, "output"));
        }
        int daemon = lab.pid(Integer.parseInt(Files.readString(work.resolve("daemon.pid")).trim()));
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
        lab.passed("containerd read `" + value(lines, "output") + "` and then end of file, " + Out.millis(Long.parseLong(eof)) + " after starting `start`.",
                "Nothing but `start` held the pipe's write end: the daemon's stdout and stderr are elsewhere.");

        lab.step("3. containerd dials the address");
        lab.await("the daemon " + daemon + " runs " + DAEMON_NAME + " (it has exec'd sleep)", () -> Procs.settled(daemon, "sleep"));
        if (!value(lines, "dial").equals("connected")) {
            throw lab.fail("containerd connects to the address `start` printed",
                    "a connection (the listening socket lives on in the daemon, as its fd 3)",
                    "connection refused: once `start` exited, no process held the listening socket; the daemon's fds: "
                            + fds(daemon) + " (hand it the socket as fd 3)");
        }
        lab.passed("containerd's connection was accepted into the socket's backlog: the daemon holds the listener.",
                "`start` bound and listened before it printed the address, and handed the socket down: containerd",
                "dials once, right away, and the connection waits until the shim's server accepts it.");
        out.command("ls -l /proc/" + daemon + "/fd    # the daemon's open files");
        Map<Integer, String> fds = fds(daemon);
        StringBuilder listing = new StringBuilder();
        fds.forEach((fd, target) -> listing.append(fd).append(" -> ").append(target).append('\n'));
        out.output(listing.toString());
        String listenerTarget = "socket:[" + listeningInode(socket) + "]";
        Map<Integer, String> wanted = new TreeMap<>(Map.of(0, "/dev/null", 1, "/dev/null", 2, "/dev/null", 3, listenerTarget));
        if (!wanted.equals(fds)) {
            throw lab.fail("The daemon holds /dev/null as stdin, stdout and stderr, the listening socket as fd 3, and nothing else",
                    wanted + " (" + listenerTarget + " is " + socket + ")", fds + leakHint(fds));
        }
        lab.passed("The daemon holds /dev/null on fds 0-2, the listening socket on fd 3, and nothing else.",
                "Every fd a daemon inherits stays open as long as it lives: a pipe's end keeps its reader waiting, a",
                "deleted file keeps its space, a socket keeps its peer. So the shim's daemon gets exactly these four.");

        lab.step("4. Who adopted the daemon?");
        int adopter = lab.pid(Procs.ppid(daemon));
        Procs.Proc d = Procs.read(daemon);
        lab.show(tree("Before: `start` has exited", self, containerd, adopter, daemon));
        lab.check(adopter != start && adopter != containerd,
                "The daemon's parent is pid " + adopter + ", not `start` (gone) and not containerd (pid " + containerd + ").",
                "`start` exited, so its orphan went to the nearest child subreaper above it, or pid 1. containerd",
                "cannot wait for the shim, and does not need to: it talks to it over the socket.");
        boolean ownSession = d.sid() == daemon && d.pgid() == daemon;
        if (ownSession) {
            lab.passed("The daemon leads a session of its own: SID = PGID = its pid " + daemon + ".",
                    "Signals sent to containerd's process group (a Ctrl-C, a service manager stopping containerd) and a",
                    "hang-up of containerd's terminal no longer reach it.");
        } else {
            lab.say("The daemon is in session " + d.sid() + " and process group " + d.pgid() + ": containerd's. Let us see what that means.");
        }

        lab.step("5. Kill containerd, with its whole process group");
        out.command("kill -KILL -- -" + containerd + "    # the stand-in containerd's process group");
        killGroup(containerd);
        lab.await("the stand-in containerd " + containerd + " is gone, and reaped by this lab", () -> Procs.read(containerd) == null);
        if (!ownSession) {
            lab.await("the daemon " + daemon + ", in the same group, is dead", () -> !Procs.alive(daemon));
        }
        lab.show(tree("After: containerd is gone", self, containerd, adopter, daemon));
        lab.check(!Procs.alive(containerd), "The stand-in containerd is gone.");
        if (!Procs.alive(daemon)) {
            throw lab.fail("The daemon lives on after containerd's process group was killed",
                    "pid " + daemon + " alive, in a session and process group of its own",
                    "it died with containerd's process group (" + d.pgid() + "), which it had never left: give it a session of its own");
        }
        lab.passed("The daemon lives on (pid " + daemon + ").",
                "That is why containerd can be restarted, upgraded or crash without taking a single container down:",
                "each shim is a daemon of its own, re-parented, in its own session. Lab 08 does it to a real containerd.");

        lab.stretch("one shim per pod: reuse a live socket, replace a stale one", "labs/lab02_detach/exercise/StartStretch.java",
                (stretchLab, solution) -> reuseOrReplace(stretchLab, solution, daemon));
    }

    /**
     * The stretch: three more `start`s for the same socket path. The second container of a pod finds the shim
     * serving; after the shim died, its socket file is left and nobody answers.
     */
    private static void reuseOrReplace(Lab lab, boolean solution, int first) throws Exception {
        Out out = lab.out();
        Path work = lab.work();
        Path socket = socket(work);
        lab.say("With one shim per pod, containerd runs `start` for every container of the pod, and every `start` computes",
                "the same socket path. The daemon from above still serves it (pid " + first + "). Your start() runs in a",
                "`start` process of its own each time; the lab then looks at the daemons and dials the address.");

        lab.say("a) A second container of the same pod:");
        String address = runStart(lab, solution);
        List<Integer> daemons = daemons();
        if (!daemons.equals(List.of(first))) {
            throw lab.fail("A `start` that finds a live shim on the socket reuses it, and starts no daemon",
                    "only the first daemon, pid " + first + ", serving " + socket,
                    "daemons " + daemons + (UnixSocket.answers(socket.toString()) ? "" : "; nobody answers on the socket")
                            + ": a new bind over a live shim's socket steals the address, and its containers lose their shim");
        }
        expectServed(lab, address, socket);
        lab.passed("`start` printed " + address + " and started nothing: the pod's shim answered on it.");

        lab.say("b) The shim dies (SIGKILL): its socket file stays, nobody listens on it any more. The next `start`:");
        out.command("kill -KILL " + first);
        Posix.kill(first, Posix.SIGKILL);
        lab.await("the daemon " + first + " is dead", () -> !Procs.alive(first));
        lab.check(Files.exists(socket) && !UnixSocket.answers(socket.toString()),
                "The socket file " + socket + " is still there, and refuses connections.");
        String again = runStart(lab, solution);
        List<Integer> replacement = daemons();
        if (replacement.size() != 1) {
            throw lab.fail("A `start` that finds a stale socket file starts a new daemon", "one new daemon serving " + socket,
                    replacement.isEmpty() ? "no daemon: `start` printed " + again + ", where nobody answers" : "daemons " + replacement);
        }
        int second = lab.pid(replacement.get(0));
        expectServed(lab, again, socket);
        lab.passed("`start` removed the stale socket, listened anew and started daemon " + second + ".",
                "The shim's StartCommand.listen does the same: bind; if the address is in use, ask whether somebody",
                "answers; reuse if so, otherwise remove the file and bind again.");
    }

    /** One `start` of the stretch, as its own process, as containerd runs it; returns what it printed. */
    private static String runStart(Lab lab, boolean solution) throws Exception {
        // --solution: the stretch's solution; without it, yours. The daemon is spawned by the main part's solution.
        List<String> argv = javaArgv("start-stretch", lab.work(), solution);
        Path pidFile = lab.work().resolve("daemon.pid");
        Files.deleteIfExists(pidFile);
        lab.out().command("containerd-shim-… start    (this file with --role start-stretch: your start())");
        Sh.Result r = Sh.run(argv, Map.of(), 120);
        if (Files.exists(pidFile)) {
            int daemon = Integer.parseInt(Files.readString(pidFile).trim());
            lab.cleanup("killed the daemon " + DAEMON_NAME + " " + daemon, () -> killIfOurs(daemon));
        }
        if (!r.ok()) {
            throw lab.fail("`start` succeeds", "exit status 0 and the address on stdout",
                    "exit status " + r.status() + ": " + r.combined().trim());
        }
        String address = r.stdout();
        lab.out().output(address);
        return address;
    }

    private static void expectServed(Lab lab, String address, Path socket) {
        if (!address.equals("unix://" + socket)) {
            throw lab.fail("`start` prints the address, and nothing else", "unix://" + socket, "\"" + address + "\"");
        }
        if (!UnixSocket.answers(socket.toString())) {
            throw lab.fail("containerd can connect to the address `start` printed", "a connection to " + socket, "connection refused");
        }
    }

    /** The daemons of this lab that are alive, by their name. */
    private static List<Integer> daemons() {
        return Procs.withArguments(DAEMON_NAME, "600");
    }

    static Path socket(Path work) {
        return work.resolve("shim.sock");
    }

    /** The three parts the other processes play. Returns the process's exit status. */
    static int playRole(String role, Path work, List<String> flags) throws Exception {
        boolean solution = flags.contains("--solution");
        return switch (role) {
            case "containerd" -> StandIns.containerd(work, javaArgv("start", work, solution));
            case "start" -> StandIns.start(work, solution ? new lab02_detach.solution.Detach() : new lab02_detach.exercise.Detach());
            case "start-stretch" -> StandIns.startStretch(work,
                    solution ? new lab02_detach.solution.StartStretch() : new lab02_detach.exercise.StartStretch());
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

    /** The process's open fds and what each one is, as ls -l /proc/<pid>/fd shows them. */
    static Map<Integer, String> fds(int pid) {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path fd : entries.toList()) {
                try {
                    fds.put(Integer.parseInt(fd.getFileName().toString()), Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // gone between the listing and the link
                }
            }
        } catch (IOException gone) {
            // the process is gone
        }
        return fds;
    }

    private static String leakHint(Map<Integer, String> fds) {
        List<String> hints = new ArrayList<>();
        if (fds.getOrDefault(0, "").startsWith("pipe:")) {
            hints.add("fd 0 is `start`'s stdin, containerd's pipe");
        }
        if (fds.keySet().stream().anyMatch(fd -> fd > 3)) {
            hints.add("fds above 3 leaked from `start`");
        }
        if (!fds.getOrDefault(3, "").startsWith("socket:") && fds.values().stream().anyMatch(t -> t.startsWith("socket:"))) {
            hints.add("the socket is there, but not as fd 3, where the shim looks for it");
        }
        return hints.isEmpty() ? "" : " (" + String.join("; ", hints) + ")";
    }

    /**
     * The inode of the listening socket bound at {@code path}, from /proc/net/unix (proc(5)): the line whose flags say
     * "accepts connections" (__SO_ACCEPTCON, 0x10000). A connection waiting in the backlog shows the same path.
     */
    static String listeningInode(Path path) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[7].equals(path.toString()) && (Integer.parseInt(f[3], 16) & 0x10000) != 0) {
                return f[6];
            }
        }
        return "none";
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

    /** The stand-in processes. */
    static final class StandIns {
        private StandIns() {
        }

        /**
         * containerd's part: run `start` with the options on its stdin and stdout+stderr on one pipe, read to end
         * of file, dial the address it printed, write a report, stay.
         *
         * <p>Real containerd would wait for the end of file forever. The stand-in decides without a clock: once
         * `start` has exited (and so closed its own fds), end of file comes at once unless another process still
         * holds the write end; an empty pipe that does not report end of file then is the answer "never".
         */
        static int containerd(Path work, List<String> startArgv) throws Exception {
            int[] output = Posix.pipe();
            int[] options = Posix.pipe();
            long t0 = System.nanoTime();
            int start = Spawn.of(startArgv.get(0), startArgv).stdio(options[0], output[1], output[1]).start();
            Posix.close(output[1]);
            Posix.close(options[0]);
            byte[] bytes = OPTIONS.getBytes(StandardCharsets.UTF_8);
            Posix.writeFully(options[1], bytes, bytes.length);
            Posix.close(options[1]);
            StringBuilder printed = new StringBuilder();
            String eofAfter = "never";
            byte[] buffer = new byte[4096];
            int[] status = new int[1];
            boolean startExited = false;
            while (true) {
                startExited = startExited || Posix.waitpid(start, status, Posix.WNOHANG) == start;
                if (!Poller.waitReadable(output[0], startExited ? 0 : 100)) {
                    if (startExited) {
                        break;      // `start` is gone, the pipe is empty and not at its end: someone else writes
                    }
                    continue;
                }
                int n = Posix.read(output[0], buffer, buffer.length);
                if (n == 0) {
                    eofAfter = Long.toString((System.nanoTime() - t0) / 1_000_000);
                    break;
                }
                printed.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
            if (!startExited) {
                Posix.waitpid(start, status, 0);
            }
            String address = printed.toString().trim();
            // As containerd does once `start` has answered: one dial, right away.
            String dial = address.startsWith("unix://") && UnixSocket.answers(address.substring("unix://".length())) ? "connected" : "refused";
            Files.writeString(work.resolve("report.txt.tmp"), String.join("\n",
                    "start-pid=" + start,
                    "start-status=" + dev.jrunc.shim.reaper.Exit.statusOf(status[0]),
                    "output=" + address.replace('\n', ' '),
                    "eof-after-ms=" + eofAfter,
                    "dial=" + dial) + "\n");
            Files.move(work.resolve("report.txt.tmp"), work.resolve("report.txt"));
            Thread.sleep(600_000);   // containerd stays up until the lab kills it
            return 0;
        }

        /**
         * `start`'s part: read the options, listen on the socket, spawn the daemon (your code) with it, note the
         * daemon's pid (the Go shim's daemon writes shim.pid), print the address, exit at once.
         */
        static int start(Path work, Exercise yours) throws Exception {
            System.in.readAllBytes();
            Path socket = socket(work);
            int listener = UnixSocket.listen(socket.toString(), 128);
            int daemon;
            try {
                daemon = yours.spawnDaemon("/bin/sleep", List.of(DAEMON_NAME, "600"), listener);
            } catch (Exception e) {
                System.err.println("your spawnDaemon() threw " + e + exerciseFrame(e));
                return 3;
            }
            Files.writeString(work.resolve("daemon.pid"), Integer.toString(daemon));
            Posix.close(listener);
            System.out.print("unix://" + socket);
            System.out.flush();
            return 0;
        }

        /** `start` in the stretch: the socket part is yours, the daemon is spawned by the main exercise's solution. */
        static int startStretch(Path work, Stretch yours) {
            try {
                DaemonStarter daemons = listener -> {
                    int daemon = new lab02_detach.solution.Detach().spawnDaemon("/bin/sleep", List.of(DAEMON_NAME, "600"), listener);
                    Files.writeString(work.resolve("daemon.pid"), Integer.toString(daemon));
                    return daemon;
                };
                String address = yours.start(socket(work), daemons);
                System.out.print(address);
                System.out.flush();
                return 0;
            } catch (Exception e) {
                // containerd shows this text as the reason the task could not be created
                System.err.println("start: " + e + exerciseFrame(e));
                return 1;
            }
        }

        /** Where in the exercise an exception came from, if it did. */
        private static String exerciseFrame(Exception e) {
            for (StackTraceElement frame : e.getStackTrace()) {
                if (frame.getClassName().startsWith("lab02_detach.exercise.")) {
                    return " (at labs/lab02_detach/exercise/" + frame.getFileName() + ":" + frame.getLineNumber() + ")";
                }
            }
            return "";
        }
    }
}
