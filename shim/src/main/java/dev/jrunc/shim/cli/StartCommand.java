package dev.jrunc.shim.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import dev.jrunc.shim.bundle.Bundle;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.UnixSocket;
import dev.jrunc.shim.proto.runc.Options;

/**
 * {@code start}: make sure a shim serves this container, print its address — and, if there was none, be it.
 *
 * <p>The Go shim's {@code start} spawns the shim as a second process and exits. A JVM cannot fork itself, and
 * spawning a second JVM would put two JVM start-ups on the first container's path; so the launcher runs this JVM
 * in the background, with containerd's stdout pipe as its stdout and a verdict pipe of its own on fd
 * {@code JRUNC_VERDICT_FD}, and waits for the verdict. This JVM, in order:
 * <ol>
 *   <li>reads containerd's request (options or BootstrapParams on stdin, flags, environment);</li>
 *   <li>picks the group (one shim per group or pod) and so the socket path;</li>
 *   <li>binds and listens on the socket — if a live shim already listens there, that one serves;</li>
 *   <li>writes {@code <bundle>/address} (containerd reads it back after its own restart);</li>
 *   <li>prints the address, and nothing else (containerd reads stdout and stderr together; the form depends on
 *       the containerd line, {@link BootstrapAnswer}), says "ok" on the verdict pipe, and the launcher exits 0;</li>
 *   <li>leaves containerd's session and pipes (containerd reads until the last writer closes them), and serves
 *       ({@link Daemon#serve}), re-parented to pid 1 once the launcher has exited — or exits, if another shim
 *       serves the group.</li>
 * </ol>
 * containerd dials the address as soon as the launcher exits: the socket is already listening, so the connection
 * waits in its backlog until the server accepts it, moments later.
 */
final class StartCommand {
    private static final int BACKLOG = 128;
    static final String VERDICT_FD = "JRUNC_VERDICT_FD";

    private StartCommand() {
    }

    static int run(ShimFlags flags) throws Exception {
        DaemonWarmUp.inBackground();
        PrintStream out = System.out;
        ShimMode mode = ShimMode.current();
        StartRequest request;
        ServerSocketChannel listener;
        Advertisement advertisement = null;
        try {
            request = StartRequest.read(flags, System.getenv(), readStdin());
            Path bundleDir = Path.of("").toAbsolutePath();
            String group = mode.group(Bundle.load(bundleDir), request.id());
            Path socket = ShimSocket.path(request.socketDir(), request.grpcAddress(), request.namespace(), group);
            String address = ShimSocket.address(socket);
            listener = listen(socket);
            if (listener != null) {
                advertisement = Advertisement.of(mode, request.daemonFlags(), socket).publish();
            }
            // containerd (1.6, 1.7) reads this file back after its own restart: always the plain address.
            writeAddress(bundleDir, address);
            BootstrapAnswer answer = BootstrapAnswer.choose(request,
                    grpc -> ContainerdVersion.ask(grpc, BootstrapAnswer.VERSION_DEADLINE));
            out.write(answer.render(address));
            out.flush();
        } catch (Exception e) {
            // containerd shows this text as the reason the task could not be created.
            System.err.println(mode.binaryName() + " start: " + e.getMessage());
            if (advertisement != null) {
                advertisement.withdraw();
            }
            return 1;
        }
        if (listener == null) {
            tellLauncher("ok");
            return 0;   // a shim of this group already serves
        }
        int oomScore = oomScoreBelowContainerd();   // while the launcher, which has containerd's, is our parent
        tellLauncher("ok");
        detach(request.options(), oomScore);
        return Daemon.serve(request.daemonFlags(), listener, request.ttrpcAddress(), advertisement);
    }

    /**
     * Binds the group's socket; null if a live shim already serves it. A socket file nobody answers on is
     * left over from a shim that died: remove it and bind again.
     */
    private static ServerSocketChannel listen(Path socket) throws IOException {
        Path directory = socket.getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        for (int attempt = 0; ; attempt++) {
            ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                listener.bind(UnixDomainSocketAddress.of(socket), BACKLOG);
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
                return listener;
            } catch (BindException e) {
                listener.close();
                if (attempt > 0) {
                    throw e;
                }
                if (UnixSocket.answers(socket.toString())) {
                    return null;
                }
                Files.deleteIfExists(socket);
            }
        }
    }

    /** Atomically: containerd may read it at any time. */
    private static void writeAddress(Path bundle, String address) throws IOException {
        Path temporary = bundle.resolve(".address");
        Files.writeString(temporary, address, StandardCharsets.UTF_8);
        Files.move(temporary, bundle.resolve("address"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The launcher waits for one word on the verdict pipe: "ok" means containerd has its address. */
    private static void tellLauncher(String word) {
        String fd = System.getenv(VERDICT_FD);
        if (fd == null || !fd.matches("[0-9]+")) {
            return;   // run without the launcher (by hand): the exit status is the verdict
        }
        int verdict = Integer.parseInt(fd);
        try {
            byte[] line = (word + "\n").getBytes(StandardCharsets.US_ASCII);
            Posix.writeFully(verdict, line, line.length);
        } catch (IOException e) {
            // the launcher is gone: nobody to tell
        } finally {
            Posix.close(verdict);
        }
    }

    /**
     * From containerd's child to a daemon: a session of its own (containerd's signals and terminal no longer reach
     * us), none of containerd's pipes held (stdin read, stdout answered; stderr until the log FIFO takes over), one
     * step more killable than containerd under memory pressure, and in the cgroup the options name, as the Go shim.
     */
    private static void detach(Options options, int oomScore) throws IOException {
        Posix.setsid();
        int devNull = Posix.open("/dev/null", Posix.O_RDWR, 0);
        Posix.dup2(devNull, 0);
        Posix.dup2(devNull, 1);
        Posix.dup2(devNull, 2);
        Posix.close(devNull);
        if (oomScore >= 0) {
            try {
                Files.writeString(Path.of("/proc/self/oom_score_adj"), Integer.toString(oomScore));
            } catch (IOException refused) {
                // best effort, as in the Go shim
            }
        }
        if (!options.getShimCgroup().isEmpty()) {
            ShimCgroup.join(options.getShimCgroup(), Posix.getpid());
        }
    }

    /** containerd's oom_score_adj + 1 (the launcher, our parent still, inherited containerd's), or -1 if unknown. */
    private static int oomScoreBelowContainerd() {
        try {
            int containerd = Integer.parseInt(Files.readString(Path.of("/proc", String.valueOf(Posix.getppid()), "oom_score_adj")).trim());
            return Math.min(containerd + 1, 1000);
        } catch (IOException | NumberFormatException e) {
            return -1;   // best effort, as in the Go shim
        }
    }

    /**
     * stdin as containerd wrote it: the runtime options (1.6–2.2) or BootstrapParams (2.3+), or nothing. A terminal
     * (a human running start by hand) is left alone.
     */
    private static byte[] readStdin() throws IOException {
        return stdinIsTerminal() ? new byte[0] : System.in.readAllBytes();
    }

    /** Without the native bindings (their start-up is not to be on the path of containerd's answer). */
    private static boolean stdinIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException e) {
            return false;
        }
    }
}
