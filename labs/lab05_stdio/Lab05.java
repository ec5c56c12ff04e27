///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Plumbing.java
//SOURCES solution/Plumbing.java
//DESCRIPTION Lab 05: stdio; how a container's output reaches ctr through FIFOs, pipes and the shim.
package lab05_stdio;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.jrunc.shim.posix.Poller;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.stdio.ProcessIO;
import dev.jrunc.shim.stdio.Stdio;
import kit.FifoPeek;
import kit.Lab;
import kit.Out;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;
import kit.Sh;

/**
 * Lab 05: a container's stdin and stdout, end to end. This lab plays both sides: the client (what ctr does: make
 * three FIFOs and hand their paths to containerd, which passes them to the shim in Create) and the shim (the shim's
 * {@link ProcessIO}: a pipe per stream for the container, copying between the pipes and the FIFOs).
 */
public final class Lab05 {
    static final String ID = "lab05";

    /** What you write in exercise/Plumbing.java. */
    public interface Exercise {
        /** Connects the container's stdio to the client's FIFOs and runs {@code runc create}; returns the plumbing. */
        ProcessIO create(Runc runc, String id, Runc.CreateOptions options, Stdio fifos) throws Exception;

        /** runc has started the container: let the copying begin. */
        void started(ProcessIO io) throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("05", "stdio", "labs/lab05_stdio/exercise/Plumbing.java", args, Lab05::stdio));
    }

    static void stdio(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab05_stdio.solution.Plumbing() : new lab05_stdio.exercise.Plumbing();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();
        int self = lab.pid(Posix.getpid());
        Reaper reaper = Reaper.start();
        Sh.useReaper(reaper);
        Posix.setChildSubreaper();
        CompletableFuture<Exit> containerExit = new CompletableFuture<>();
        reaper.subscribe(containerExit::complete);

        lab.step("1. The client's side: three FIFOs");
        lab.say("`ctr run` makes three named pipes (FIFOs), opens the read end of stdout and stderr, and sends their",
                "paths to containerd, which hands them to the shim in the Create call. We do the same.");
        Path dir = lab.work().resolve("fifo");
        Files.createDirectories(dir);
        Stdio fifos = new Stdio(dir.resolve(ID + "-stdin").toString(), dir.resolve(ID + "-stdout").toString(),
                dir.resolve(ID + "-stderr").toString(), false);
        for (String fifo : List.of(fifos.stdin(), fifos.stdout(), fifos.stderr())) {
            Posix.mkfifo(fifo, 0600);
            out.command("mkfifo " + fifo);
        }
        int stdoutReader = Posix.open(fifos.stdout(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        int stderrReader = Posix.open(fifos.stderr(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);

        lab.step("2. The shim's side: your create() and started()");
        List<String> command = List.of("sh", "-c",
                "echo 'this line goes to stderr' >&2; while read line; do echo \"you said: $line\"; done; echo bye");
        Path bundle = RuncBundle.create(lab, ID, command);
        lab.say("The container: sh -c '" + command.get(2) + "'");
        Runc runc = new Runc(reaper, RuncBundle.RUNC, RuncBundle.runcRoot(lab), bundle, false);
        lab.cleanup("runc kill + delete --force " + ID, () -> {
            try {
                runc.kill(ID, Posix.SIGKILL, false);
            } catch (Exception gone) {
                // exited already
            }
            runc.delete(ID, true);
        });
        Path pidFile = bundle.resolve("init.pid");
        ProcessIO io = yours.create(runc, ID, new Runc.CreateOptions(pidFile, false, false, null), fifos);
        if (io != null) {
            lab.cleanup("closed the container's stdio (ProcessIO.close)", io::close);
        }
        runc.start(ID);
        yours.started(io);
        int init = lab.pid(Integer.parseInt(Files.readString(pidFile).trim()));
        int stdinWriter;
        try {
            stdinWriter = Posix.open(fifos.stdin(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        } catch (PosixException e) {
            throw lab.fail("The client can open the stdin FIFO for writing",
                    "the shim has " + fifos.stdin() + " open for reading (ProcessIO does, to copy it into the container)",
                    "open(O_WRONLY) failed: " + e.getMessage() + ": nobody reads that FIFO");
        }

        lab.step("3. Talk to the container");
        out.command("echo hello > " + fifos.stdin());
        write(stdinWriter, "hello\n");
        String said = readLine(stdoutReader, 20_000);
        String err = readLine(stderrReader, 20_000);
        out.say("read from " + fifos.stdout() + ": " + said, "read from " + fifos.stderr() + ": " + err);
        if (!"you said: hello".equals(said)) {
            throw lab.fail("What the container writes reaches the client's stdout FIFO",
                    "\"you said: hello\" on " + fifos.stdout(),
                    said.isEmpty() ? "nothing within 20 s: the container's stdout is not connected to the FIFO" : "\"" + said + "\"");
        }
        lab.check("this line goes to stderr".equals(err), "stdin, stdout and stderr all travel: FIFO → shim → pipe → container, and back.");

        lab.step("4. Who holds what");
        lab.await("pid " + init + " (sh) waits in `read` for the next line", () -> Procs.settled(init, "sh"));
        lab.show(ProcessTree.titled("The shim (this lab) and its container").init()
                .show(self, Kind.SHIM, "the shim (this lab)", "java … lab05_stdio.Lab05").show(init, Kind.CONTAINER, "container init"));
        showFds(lab, init, self, fifos);
        lab.say("The container never sees the FIFOs: it has pipes, and the shim copies between pipes and FIFOs",
                "(one thread per stream, a Pump in shim/src/main/java/dev/jrunc/shim/stdio).");

        lab.step("5. The client goes away and comes back");
        lab.say("containerd restarts (lab 08), and its end of the FIFOs closes. The shim keeps every FIFO open for",
                "reading and writing itself, so the container's output does not hit a closed pipe (EPIPE, SIGPIPE): it waits",
                "in the FIFO until a reader comes back.");
        Posix.close(stdoutReader);
        out.say("(client closed its stdout reader)");
        out.command("echo 'are you there?' > " + fifos.stdin());
        write(stdinWriter, "are you there?\n");
        String answer = "you said: are you there?\n";
        // Proof that the answer was written while nobody read: it sits in the FIFO, counted on the shim's own fd.
        lab.await("the answer waits in " + fifos.stdout(), () -> FifoPeek.bytesWaiting(Path.of(fifos.stdout())) == answer.length());
        out.say("(the answer waits in the FIFO: " + answer.length() + " bytes, counted with ioctl(FIONREAD) on the shim's own fd)");
        stdoutReader = Posix.open(fifos.stdout(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        String buffered = readLine(stdoutReader, 60_000);
        out.say("(client opened it again) read: " + buffered);
        lab.check((answer.trim()).equals(buffered) && Procs.alive(init),
                "The answer written while nobody listened was kept, and the container did not notice.");

        lab.step("6. CloseIO: end of input");
        lab.say("ctr closes its end of stdin and containerd calls CloseIO; the shim then drops its own writer, and the",
                "container's `read` sees end of file.");
        Posix.close(stdinWriter);
        io.closeStdin();
        String last = readLine(stdoutReader, 60_000);
        out.say("read: " + last);
        Exit exit = containerExit.get(60, TimeUnit.SECONDS);
        lab.pid(exit.pid());
        lab.check("bye".equals(last) && exit.pid() == init && exit.status() == 0,
                "The container read end of file, said bye and exited; our reaper collected exit status " + exit.status() + ".");
        Posix.closeQuietly(stdoutReader, stderrReader);
        runc.delete(ID, false);
        lab.say("A terminal (ctr run -t) works differently: runc sends the shim the terminal's master end over a unix",
                "socket (--console-socket), and one copy loop serves stdin and stdout (stdio/ConsoleIO.java).");
    }

    /** The container's fds 0-2 and this lab's fds on the same pipes and on the FIFOs, pipe numbers made stable. */
    private static void showFds(Lab lab, int init, int self, Stdio fifos) throws Exception {
        Map<String, String> names = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        out(lab).command("ls -l /proc/" + init + "/fd");
        for (int fd = 0; fd <= 2; fd++) {
            String target = Files.readSymbolicLink(Path.of("/proc/" + init + "/fd/" + fd)).toString();
            lines.add("container init   fd " + fd + " -> " + name(names, target));
        }
        List<String> ours = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.sorted((a, b) -> Integer.compare(Integer.parseInt(a.getFileName().toString()), Integer.parseInt(b.getFileName().toString()))).toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (java.io.IOException gone) {
                    continue;
                }
                if (names.containsKey(target) || target.startsWith(Path.of(fifos.stdin()).getParent().toString())) {
                    ours.add(name(names, target));
                }
            }
        }
        lines.add("this lab         " + String.join(", ", ours.stream().distinct().sorted().toList()));
        lab.out().output(String.join("\n", lines));
        lab.check(true, "The container's fds are pipes. This lab holds their other ends (as the shim) and the FIFOs (as the",
                "shim, which opens each FIFO itself, and as the client).");
    }

    private static Out out(Lab lab) {
        return lab.out();
    }

    /** pipe:[123456] becomes pipe:[A] in order of appearance, so the book does not depend on inode numbers. */
    private static String name(Map<String, String> names, String target) {
        if (!target.startsWith("pipe:[")) {
            return target;
        }
        return names.computeIfAbsent(target, t -> "pipe:[" + (char) ('A' + names.size()) + "]");
    }

    private static void write(int fd, String text) throws PosixException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Posix.writeFully(fd, bytes, bytes.length);
    }

    /** One line from a non-blocking fd, waiting at most {@code millis}; "" if none came. */
    private static String readLine(int fd, long millis) throws PosixException {
        StringBuilder line = new StringBuilder();
        byte[] one = new byte[1];
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (!Poller.waitReadable(fd, 50)) {
                continue;
            }
            int n;
            try {
                n = Posix.read(fd, one, 1);
            } catch (PosixException e) {
                if (e.errno() == Posix.EAGAIN) {
                    Procs.sleep(20);      // no writer yet: read() says "try again", poll said readable (hang-up)
                    continue;
                }
                throw e;
            }
            if (n == 0) {
                Procs.sleep(20);          // no writer at the moment: not the end for a FIFO, keep waiting
                continue;
            }
            if (one[0] == '\n') {
                return line.toString();
            }
            line.append((char) one[0]);
        }
        return line.toString();
    }
}
