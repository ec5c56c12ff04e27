///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES WatchedPump.java
//SOURCES exercise/CopyLoop.java
//SOURCES solution/CopyLoop.java
//SOURCES exercise/StdinStretch.java
//SOURCES solution/StdinStretch.java
//DESCRIPTION Lab 05: stdio; how a container's output reaches ctr through FIFOs, pipes and the shim's copy loops.
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
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.stdio.ProcessIO;
import dev.jrunc.shim.stdio.Stdio;
import kit.Lab;
import kit.Out;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;
import kit.Sh;

/**
 * Lab 05: a container's stdin and stdout, end to end. This lab plays both sides: the client (what ctr does: make
 * three FIFOs and hand their paths to containerd, which passes them to the shim in Create) and the shim (a pipe per
 * stream for the container, and a copy loop per stream between the pipes and the FIFOs). The shim's
 * {@link ProcessIO} serves stdin and stderr; stdout is yours: the FIFO's opening and the copy loop.
 */
public final class Lab05 {
    static final String ID = "lab05";
    /** What the container prints when it reads the line {@link #LOTS}: seq 1 100000, 588,895 bytes. */
    static final int SEQ = 100_000;
    static final String LOTS = "lots";

    /**
     * An fd as a copy loop sees it: non-blocking, as the shim makes its pipes and FIFOs (a read(2) blocked in the
     * kernel cannot be interrupted from Java; a poll with a timeout can).
     */
    public interface Fd {
        /**
         * read(2) into {@code buffer}, from its start: the number of bytes read, 1 to buffer.length; 0 means end of
         * file (every writer has closed its end).
         *
         * @throws PosixException errno() {@link Posix#EAGAIN}: nothing there yet
         */
        int read(byte[] buffer) throws PosixException;

        /**
         * write(2) of {@code buffer[offset .. offset + count)}: the number of bytes written, which may be fewer
         * than {@code count}.
         *
         * @throws PosixException errno() {@link Posix#EAGAIN}: no room at all right now; {@link Posix#EPIPE}:
         *                        nobody has the pipe or FIFO open for reading
         */
        int write(byte[] buffer, int offset, int count) throws PosixException;

        /** poll(2): returns once read() would not fail with EAGAIN (data, end of file or an error waits). */
        void awaitReadable() throws PosixException;

        /** poll(2): returns once write() would take at least one byte (or fail with EPIPE). */
        void awaitWritable() throws PosixException;
    }

    /** What you write in exercise/CopyLoop.java. */
    public interface Exercise {
        /** Create: opens the client's stdout FIFO for the shim to write the container's output into; returns the fd. */
        int openFifo(String path) throws Exception;

        /** The copy loop: everything from {@code from} into {@code to}, until end of file; runs on its own thread. */
        void copy(Fd from, Fd to) throws Exception;
    }

    /** The stretch exercise, in exercise/StdinStretch.java: the other direction, where end of file is the client's. */
    public interface Stretch {
        /** Create: opens the client's stdin FIFO; returns the fd the stdin copy loop reads from. */
        int openStdin(String path) throws Exception;

        /** CloseIO: the client is done with stdin for good; the container must now see end of file. */
        void closeStdin() throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("05", "stdio", "labs/lab05_stdio/exercise/CopyLoop.java", args, Lab05::stdio));
    }

    static void stdio(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab05_stdio.solution.CopyLoop() : new lab05_stdio.exercise.CopyLoop();
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
        Owned[] client = {own(lab, Posix.open(fifos.stdout(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0))};
        Owned stderrReader = own(lab, Posix.open(fifos.stderr(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0));

        lab.step("2. The shim's side: pipes, your openFifo(), runc, your copy()");
        List<String> command = List.of("sh", "-c", "echo 'this line goes to stderr' >&2; while read line; do"
                + " if [ \"$line\" = " + LOTS + " ]; then seq " + SEQ + "; else echo \"you said: $line\"; fi; done; echo bye");
        Path bundle = RuncBundle.create(lab, ID, command);
        lab.say("The container: sh -c '" + command.get(2) + "'");
        lab.say("The shim's ProcessIO serves stdin and stderr. For stdout the lab makes the pipe and calls your",
                "openFifo() for the shim's end of the client's FIFO.");
        ProcessIO io = ProcessIO.open(ID, new Stdio(fifos.stdin(), "", fifos.stderr(), false), -1, -1);
        lab.cleanup("closed the container's stdin and stderr (ProcessIO.close)", io::close);
        int[] fds = Posix.pipe();
        Owned pipeRead = own(lab, fds[0]);
        Owned pipeWrite = own(lab, fds[1]);
        int opened = bounded(lab, "openFifo(\"" + fifos.stdout() + "\")", () -> yours.openFifo(fifos.stdout()));
        Owned fifo = onFifo(lab, "openFifo()", opened, Path.of(fifos.stdout()));
        out.say("openFifo() returned fd " + Out.vary(opened, "<n>") + ", opened " + mode(WatchedPump.accessMode(opened)) + ".");
        if (WatchedPump.accessMode(opened) == Posix.O_RDONLY) {
            throw WatchedPump.fail(lab, "openFifo() opens the FIFO for the shim to write into", "an fd open for writing",
                    "it is open read-only: every write fails with EBADF");
        }
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
        out.command("runc create --pid-file " + pidFile + " " + ID + "   # fds 0, 1, 2: the pipes' container ends");
        runc.create(ID, new Runc.CreateOptions(pidFile, false, false, null), io.childStdin(), pipeWrite.fd(), io.childStderr());
        out.command("runc start " + ID);
        runc.start(ID);
        int init = lab.pid(Integer.parseInt(Files.readString(pidFile).trim()));
        io.started();
        pipeWrite.close();
        lab.say("runc has handed the container its ends of the pipes; the shim closes its own copies (ProcessIO.started()",
                "for stdin and stderr, the lab for stdout). Until then a copy loop could never see end of file: end of",
                "file comes when every process holding the write end has closed it.");
        Posix.setBlocking(pipeRead.fd(), false);
        Posix.setBlocking(opened, false);
        WatchedPump stdout = new WatchedPump(pipeRead.fd(), "container's stdout pipe", opened, "stdout FIFO", true)
                .start("stdio-stdout", yours);
        lab.cleanup("stopped the stdout copy loop", stdout::stop);
        stdout.await(lab, "copy() waits for the container's first output",
                "copy() waiting in awaitReadable() (the container has written nothing to stdout yet)", stdout::idleReading);
        lab.passed("Your copy() runs on its own thread and waits: the container has written nothing to stdout yet.",
                "Both fds are non-blocking, as the shim makes them: a read(2) blocked in the kernel cannot be interrupted",
                "from Java, and a loop that cannot be stopped would keep a deleted container's FIFOs open for ever.");

        Owned stdinWriter;
        try {
            stdinWriter = own(lab, Posix.open(fifos.stdin(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0));
        } catch (PosixException e) {
            throw new Lab.CannotRun("the client cannot open " + fifos.stdin() + " for writing (" + e.getMessage()
                    + "): the shim's ProcessIO should hold it open for reading");
        }

        lab.step("3. Talk to the container");
        out.command("echo hello > " + fifos.stdin());
        write(stdinWriter.fd(), "hello\n");
        String said = clientLine(lab, stdout, client[0].fd(), "what the container writes reaches the client's stdout FIFO",
                "\"you said: hello\" on " + fifos.stdout());
        String err = readLine(stderrReader.fd());
        out.say("read from " + fifos.stdout() + ": " + said, "read from " + fifos.stderr() + ": " + err);
        if (!"you said: hello".equals(said)) {
            throw WatchedPump.fail(lab, "What the container writes reaches the client's stdout FIFO", "\"you said: hello\"", "\"" + said + "\"");
        }
        lab.check("this line goes to stderr".equals(err), "stdin, stdout and stderr all travel: FIFO → shim → pipe → container, and back.");

        lab.step("4. Who holds what");
        lab.await("pid " + init + " (sh) waits in `read` for the next line", () -> Procs.settled(init, "sh"));
        lab.show(ProcessTree.titled("The shim (this lab) and its container").init()
                .show(self, Kind.SHIM, "the shim (this lab)", "java … lab05_stdio.Lab05").show(init, Kind.CONTAINER, "container init"));
        showFds(lab, init, fifos);
        lab.say("The container never sees the FIFOs: it has pipes, and the shim copies between pipes and FIFOs",
                "(one thread per stream, a Pump in shim/src/main/java/dev/jrunc/shim/stdio).");

        lab.step("5. A lot of output, a slow client, a client that goes away");
        lab.say("The client stops reading for a while, and the container prints " + String.format("%,d", seqLength(SEQ))
                + " bytes (seq " + SEQ + ").");
        out.command("echo " + LOTS + " > " + fifos.stdin());
        write(stdinWriter.fd(), LOTS + "\n");
        stdout.await(lab, "copy() waits for room when the client does not read",
                "copy() waiting in awaitWritable() with the FIFO full", stdout::waitingForRoom);
        lab.passed("The FIFO is full and your copy() waits for room; behind it the pipe fills up, and then seq waits too.",
                "A FIFO holds 64 KiB. A write that finds no room fails with EAGAIN (the fds are non-blocking); one that",
                "finds some room takes what fits and returns the count: a short write. The rest must wait, not vanish.");
        out.say("(the client closes its reader: ctr exits, or containerd restarts)");
        client[0].close();
        int fifoMode = WatchedPump.accessMode(opened);
        if (fifoMode != Posix.O_RDWR) {
            throw WatchedPump.fail(lab, "The FIFO keeps a reader when the client goes away: the shim itself",
                    "openFifo() opens the FIFO read-write: then the shim is a reader of its own FIFO, and what it writes waits there",
                    "it is open " + mode(fifoMode) + ": now nobody reads it, and the next write fails with EPIPE (or kills a"
                            + " process that does not ignore SIGPIPE). See fifo(7) and pipe(7)");
        }
        stdout.await(lab, "the output waits while nobody reads", "copy() still waiting for room", stdout::waitingForRoom);
        lab.passed("Nobody reads, and nothing breaks: the shim has the FIFO open for reading and writing itself, so the",
                "output waits in it, and the container, blocked on its full pipe, does not notice.");
        out.say("(the client opens the FIFO again and reads)");
        client[0] = own(lab, Posix.open(fifos.stdout(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0));
        byte[] expected = seqBytes(SEQ);
        byte[] got = clientBytes(lab, stdout, client[0].fd(), expected.length, init);
        int differs = java.util.Arrays.mismatch(expected, got);
        if (differs >= 0) {
            String why = stdout.problem();
            throw WatchedPump.fail(lab, "Every byte of seq " + SEQ + " reaches the client, in order",
                    String.format("%,d bytes: 1\\n2\\n3\\n … %d\\n", expected.length, SEQ),
                    String.format("%,d bytes, the first difference at byte %,d: ", got.length, differs) + around(expected, got, differs)
                            + (why != null ? ". " + why : got.length == expected.length
                            ? ". As many bytes as expected, but not in their order: after a short write, the rest of the buffer"
                            + " starts where the write stopped" : ". Lost bytes: a short write whose rest was dropped?"));
        }
        lab.passed(String.format("All %,d bytes arrived, in order: nothing lost to EAGAIN, short writes or the client's absence.",
                expected.length));

        lab.step("6. CloseIO: end of input, end of output");
        lab.say("ctr closes its end of stdin and containerd calls CloseIO; the shim drops its own writer, and the",
                "container's `read` sees end of file. It says bye and exits: the last writer of its stdout pipe is gone.");
        stdinWriter.close();
        io.closeStdin();
        stdout.await(lab, "copy() returns at end of file", "copy() returned after read() returned 0", stdout::finished);
        Exit exit = containerExit.get(60, TimeUnit.SECONDS);
        lab.pid(exit.pid());
        lab.say("Your copy() returned. The shim's Pump then closes both fds: closing its end of the FIFO is how the client",
                "learns that the output is complete.");
        pipeRead.close();
        fifo.close();
        String last = readLine(client[0].fd());
        boolean endOfFile = readEnd(client[0].fd());
        out.say("read: " + last + (endOfFile ? ", then end of file" : ""));
        lab.check("bye".equals(last) && endOfFile && exit.pid() == init && exit.status() == 0,
                "The container said bye and exited (our reaper collected exit status " + exit.status() + "); the client read",
                "everything and then end of file.");
        runc.delete(ID, false);
        lab.say("A terminal (ctr run -t) works differently: runc sends the shim the terminal's master end over a unix",
                "socket (--console-socket), and one copy loop serves stdin and stdout (stdio/ConsoleIO.java).");

        lab.stretch("stdin, where end of file belongs to the client", "labs/lab05_stdio/exercise/StdinStretch.java",
                (stretchLab, solution) -> stdin(stretchLab, solution
                        ? new lab05_stdio.solution.StdinStretch() : new lab05_stdio.exercise.StdinStretch(), reaper));
    }

    /**
     * The stretch: the stdin FIFO, copied into the container's stdin pipe by the solution's copy loop. A FIFO's
     * reader sees end of file whenever its last writer closes: the client's, when containerd restarts.
     */
    private static void stdin(Lab lab, Stretch yours, Reaper reaper) throws Exception {
        Out out = lab.out();
        lab.say("Now stdin, with a plain process instead of a container (the FIFO's part is the same). Your openStdin()",
                "opens the client's stdin FIFO for the copy loop (the solution's) to read; the loop ends at end of file,",
                "and then closes the process's stdin pipe, as the shim's Pump does.");
        Path fifo = lab.work().resolve("fifo").resolve(ID + "-stretch-stdin");
        Posix.mkfifo(fifo.toString(), 0600);
        out.command("mkfifo " + fifo);
        int opened = bounded(lab, "openStdin(\"" + fifo + "\")", () -> yours.openStdin(fifo.toString()));
        Owned reader = onFifo(lab, "openStdin()", opened, fifo);
        lab.cleanup("closed the stdin FIFO's writers the stretch left", () -> closeWriters(fifo, reader.fd()));
        int[] in = Posix.pipe();
        int[] outPipe = Posix.pipe();
        Owned processStdin = own(lab, in[0]);
        Owned stdinPipe = own(lab, in[1]);
        Owned processStdout = own(lab, outPipe[1]);
        Owned stdoutPipe = own(lab, outPipe[0]);
        List<String> argv = List.of("sh", "-c", "while read line; do echo \"you said: $line\"; done; echo bye");
        out.command("sh -c '" + argv.get(2) + "'   # stdin: a pipe from the copy loop; stdout: a pipe the lab reads");
        Reaper.Child child = reaper.spawn(Spawn.of("/bin/sh", argv).stdio(in[0], outPipe[1], outPipe[1]));
        lab.pid(child.pid());
        lab.cleanup("killed the stretch's sh if still running", () -> {
            if (Procs.alive(child.pid())) {
                Posix.kill(child.pid(), Posix.SIGKILL);
            }
        });
        processStdin.close();
        processStdout.close();
        Posix.setBlocking(opened, false);
        Posix.setBlocking(in[1], false);
        Posix.setBlocking(outPipe[0], false);
        WatchedPump pump = new WatchedPump(opened, "stdin FIFO", in[1], "process's stdin pipe", false)
                .start("stdio-stdin", new lab05_stdio.solution.CopyLoop());
        lab.cleanup("stopped the stdin copy loop", pump::stop);
        CompletableFuture<Void> closedPipe = pump.whenEnded(stdinPipe::close);
        int answers = stdoutPipe.fd();
        if (WatchedPump.writersOf(fifo).isEmpty()) {
            lab.await("the copy loop has read end of file", pump::ended);
            throw WatchedPump.fail(lab, "The process's input waits for the client",
                    "a writer on the stdin FIFO from Create on, the shim's own: the client opens its writer only later",
                    "there is none, so the copy loop read end of file at once (a FIFO's reader reads 0 while nobody has"
                            + " it open for writing) and closed the process's stdin before the client came. Hold a writer of your own,"
                            + " from Create until CloseIO");
        }

        out.command("echo hello > " + fifo);
        Owned writer = openWriter(lab, fifo);
        write(writer.fd(), "hello\n");
        expectLine(lab, pump, answers, "you said: hello", "the process answers what the client wrote");
        lab.passed("The client wrote hello; the process answered.");

        out.say("(the client closes its writer: containerd restarts)");
        writer.close();
        List<String> writers = WatchedPump.writersOf(fifo);
        if (writers.isEmpty()) {
            lab.await("the copy loop has read end of file", pump::ended);
            throw WatchedPump.fail(lab, "The process's input survives the client going away for a moment",
                    "someone besides the client holds the stdin FIFO open for writing, so its reader never sees end of file",
                    "nobody did: the copy loop read end of file and closed the process's stdin. A FIFO's reader sees end of file whenever its"
                            + " last writer closes; the shim holds a writer of its own from Create until CloseIO");
        }
        lab.passed("The client is gone; the FIFO still has a writer, the shim's own (" + Out.vary(String.join(", ", writers),
                "<fd>") + "): no end of file for the process.");
        out.command("echo again > " + fifo + "   # the client is back");
        writer = openWriter(lab, fifo);
        write(writer.fd(), "again\n");
        expectLine(lab, pump, answers, "you said: again", "the process still answers after the client came back");
        lab.passed("The process answered again: it never noticed that the client was away.");

        out.say("(the client closes its writer for good; containerd calls CloseIO: your closeStdin())");
        writer.close();
        yours.closeStdin();
        writers = WatchedPump.writersOf(fifo);
        if (!writers.isEmpty()) {
            throw WatchedPump.fail(lab, "After CloseIO the process sees end of file",
                    "no fd of this process open for writing on the stdin FIFO after closeStdin()",
                    "still open: " + String.join(", ", writers) + "; while a writer remains, the copy loop waits for ever"
                            + (writers.stream().anyMatch(w -> w.startsWith("fd " + opened + ",")) ? " (the fd the loop reads from"
                            + " is itself a writer: open it read-only, and hold the writer on an fd of its own)" : ""));
        }
        pump.await(lab, "the copy loop ends at end of file", "the loop returned after read() returned 0", pump::finished);
        closedPipe.get(60, TimeUnit.SECONDS);
        expectLine(lab, pump, answers, "bye", "the process sees end of file and says bye");
        Exit exit = child.exit().get(60, TimeUnit.SECONDS);
        lab.check(exit.status() == 0, "closeStdin() let go of the last writer: the copy loop read end of file and closed the pipe;",
                "the process read end of file, said bye and exited " + exit.status() + ".");
        lab.say("Compare with the shim's stdio/PipeIO.java: openStdin (the holder: read-write, so it never blocks) and",
                "closeStdin.");
    }

    // ---- the client's reading -------------------------------------------------------------------------------------

    /**
     * The first line the client reads from its stdout FIFO. While none has come, the copy loop is watched: a loop
     * that stopped, broke a rule or lost bytes ends the wait with a claim about it.
     */
    private static String clientLine(Lab lab, WatchedPump pump, int fd, String claim, String expected) throws Exception {
        StringBuilder line = new StringBuilder();
        boolean[] complete = {false};
        pump.await(lab, claim, expected, () -> {
            complete[0] = complete[0] || readInto(fd, line, true);
            return complete[0];
        });
        return line.toString();
    }

    /**
     * {@code count} bytes from the client's stdout FIFO, read as they come. Ends early, with what came, once nothing
     * more can come: the container is back in `read` and the loop waits with every byte it read written, the pipe and
     * the FIFO empty.
     */
    private static byte[] clientBytes(Lab lab, WatchedPump pump, int fd, int count, int init) throws Exception {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        pump.await(lab, "the whole output reaches the client", String.format("%,d bytes", count), () -> {
            int n;
            while ((n = readSome(fd, buffer)) > 0) {
                got.write(buffer, 0, n);
            }
            return got.size() >= count || (Procs.settled(init, "sh") && Procs.children(init).isEmpty() && pump.idleReading()
                    && pump.from.waitingBytes() == 0 && pump.to.waitingBytes() == 0 && readSome(fd, buffer) <= 0);
        });
        return got.toByteArray();
    }

    /** A few bytes around the first difference, both ways, for the claim. */
    private static String around(byte[] expected, byte[] got, int at) {
        int from = Math.max(0, at - 12);
        String want = new String(expected, from, Math.min(expected.length, at + 12) - from, StandardCharsets.US_ASCII);
        String came = at >= got.length ? "(nothing: the output ends there)"
                : "\"" + new String(got, from, Math.min(got.length, at + 12) - from, StandardCharsets.US_ASCII).replace("\n", "\\n") + "\"";
        return "expected \"" + want.replace("\n", "\\n") + "\", came " + came;
    }

    /** The expected output of seq N. */
    private static byte[] seqBytes(int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            s.append(i).append('\n');
        }
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static int seqLength(int n) {
        return seqBytes(n).length;
    }

    /** Reads what is there now; -1 if nothing (yet), 0 at end of file. */
    private static int readSome(int fd, byte[] buffer) {
        try {
            return Posix.read(fd, buffer, buffer.length);
        } catch (PosixException e) {
            if (e.errno() == Posix.EAGAIN) {
                return -1;
            }
            throw new Lab.CannotRun("the client's read failed: " + e.getMessage());
        }
    }

    /** Appends what is there to {@code line} up to a newline; true once the line is complete (or, if asked, at end). */
    private static boolean readInto(int fd, StringBuilder line, boolean untilNewline) {
        byte[] one = new byte[1];
        while (readSome(fd, one) == 1) {
            if (one[0] == '\n' && untilNewline) {
                return true;
            }
            line.append((char) one[0]);
        }
        return false;
    }

    /** One line from a non-blocking fd that is sure to get it (the lab's own reads: stderr, the end). */
    private static String readLine(int fd) throws PosixException {
        StringBuilder line = new StringBuilder();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (readInto(fd, line, true)) {
                return line.toString();
            }
            Poller.waitReadable(fd, 50);
        }
        return line.toString();
    }

    /** True if the fd is at end of file (read returns 0) once what is left has been read. */
    private static boolean readEnd(int fd) {
        long deadline = System.currentTimeMillis() + 60_000;
        byte[] buffer = new byte[4096];
        while (System.currentTimeMillis() < deadline) {
            int n = readSome(fd, buffer);
            if (n == 0) {
                return true;
            }
            if (n > 0) {
                return false;
            }
            Procs.sleep(20);
        }
        return false;
    }

    /** A line the stretch's process writes to its stdout pipe, waiting while the copy loop works. */
    private static void expectLine(Lab lab, WatchedPump pump, int fd, String want, String claim) throws Exception {
        StringBuilder line = new StringBuilder();
        boolean[] complete = {false};
        pump.await(lab, claim, "\"" + want + "\"", () -> {
            complete[0] = complete[0] || readInto(fd, line, true);
            return complete[0];
        });
        lab.out().say("the process: " + line);
        if (!want.contentEquals(line)) {
            throw WatchedPump.fail(lab, claim, "\"" + want + "\"", "\"" + line + "\"");
        }
    }

    private static String readAll(int fd) {
        StringBuilder all = new StringBuilder();
        readInto(fd, all, false);
        return all.toString();
    }

    private static Owned openWriter(Lab lab, Path fifo) {
        try {
            return own(lab, Posix.open(fifo.toString(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0));
        } catch (PosixException e) {
            throw WatchedPump.fail(lab, "The client can open the stdin FIFO for writing",
                    "the shim has " + fifo + " open for reading (the fd openStdin() returned)",
                    "open(O_WRONLY|O_NONBLOCK) failed: " + e.getMessage() + ": nobody has it open for reading");
        }
    }

    /** Clean-up: the writers a stretch exercise may have left on the FIFO. */
    private static void closeWriters(Path fifo, int except) {
        for (String w : WatchedPump.writersOf(fifo)) {
            int fd = Integer.parseInt(w.replaceAll("^fd (\\d+).*$", "$1"));
            if (fd != except) {
                Posix.close(fd);
            }
        }
    }

    /**
     * An fd that is closed exactly once, by the step that is done with it or else by the clean-up: a second close(2)
     * of the same number could close whatever has been given that number meanwhile.
     */
    static final class Owned {
        private int fd;

        Owned(int fd) {
            this.fd = fd;
        }

        synchronized int fd() {
            return fd;
        }

        synchronized void close() {
            if (fd >= 0) {
                Posix.close(fd);
                fd = -1;
            }
        }
    }

    private static final List<Owned> OWNED = new ArrayList<>();

    /** An fd the lab opened, closed at the latest by the clean-up (one step for them all). */
    private static Owned own(Lab lab, int fd) {
        Owned owned = new Owned(fd);
        synchronized (OWNED) {
            if (OWNED.isEmpty()) {
                lab.cleanup("closed the pipes' and FIFOs' fds the lab opened", () -> {
                    synchronized (OWNED) {
                        OWNED.forEach(Owned::close);
                    }
                });
            }
            OWNED.add(owned);
        }
        return owned;
    }

    /** The fd an exercise returned, if it is one of this process's fds on the FIFO (else a claim, and nothing to close). */
    private static Owned onFifo(Lab lab, String call, int fd, Path fifo) {
        String target;
        try {
            target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (java.io.IOException | RuntimeException e) {
            target = null;
        }
        if (!fifo.toString().equals(target)) {
            throw WatchedPump.fail(lab, call + " returns an fd on " + fifo, "an open fd of this process on that FIFO",
                    fd + (target == null ? ", which is not an open fd" : ", which is open on " + target));
        }
        return own(lab, fd);
    }

    // ---- the rest ------------------------------------------------------------------------------------------------

    /** Runs an exercise's call on another thread: a call that blocks (a FIFO's open waits for its other side) ends in a claim. */
    private static int bounded(Lab lab, String call, java.util.concurrent.Callable<Integer> body) throws Exception {
        java.util.concurrent.FutureTask<Integer> task = new java.util.concurrent.FutureTask<>(body);
        Thread thread = new Thread(task, "your-" + call.replaceAll("\\(.*", ""));
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw WatchedPump.fail(lab, call + " returns", "an fd within milliseconds",
                    "still blocked after 20 s: open(2) of a FIFO waits until the other side is open too, unless the FIFO is"
                            + " opened with O_NONBLOCK or read-write (fifo(7)); the client opens its side only later");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static String mode(int accessMode) {
        return switch (accessMode) {
            case 0 -> "read-only (O_RDONLY)";
            case 1 -> "write-only (O_WRONLY)";
            case 2 -> "read-write (O_RDWR)";
            default -> "in no way: it is not an open fd";
        };
    }

    /** The container's fds 0-2 and this lab's fds on the same pipes and on the FIFOs, pipe numbers made stable. */
    private static void showFds(Lab lab, int init, Stdio fifos) throws Exception {
        Map<String, String> names = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        lab.out().command("ls -l /proc/" + init + "/fd");
        List<String> containerEnds = new ArrayList<>();
        for (int fd = 0; fd <= 2; fd++) {
            String target = Files.readSymbolicLink(Path.of("/proc/" + init + "/fd/" + fd)).toString();
            containerEnds.add(name(names, target));
            lines.add("container init   fd " + fd + " -> " + containerEnds.get(fd));
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
        boolean pipes = containerEnds.stream().allMatch(end -> end.startsWith("pipe:["));
        boolean held = ours.containsAll(containerEnds) && ours.containsAll(List.of(fifos.stdin(), fifos.stdout(), fifos.stderr()));
        lab.check(pipes && held, "The container's fds are pipes. This lab holds their other ends (as the shim) and the FIFOs (as the",
                "shim, which opens each FIFO itself, and as the client).");
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
}
