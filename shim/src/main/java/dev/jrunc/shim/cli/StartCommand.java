package dev.jrunc.shim.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.bundle.Bundle;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.posix.UnixSocket;
import dev.jrunc.shim.proto.runc.Options;

/**
 * {@code start}: make sure a shim serves this container, print its address, exit.
 *
 * <p>On every container's critical path, so it does the minimum, in this order:
 * <ol>
 *   <li>pick the group (one shim per group or pod) and so the socket path;</li>
 *   <li>bind and listen on the socket — if a shim already listens there, reuse it;</li>
 *   <li>write {@code <bundle>/address} (containerd reads it back after its own restart);</li>
 *   <li>spawn the daemon detached — new session, stdio on /dev/null, the listening socket as fd 3 — so it
 *       is not containerd's child for long: when this process exits, the daemon is re-parented to pid 1;</li>
 *   <li>print the address, and nothing else: containerd reads stdout and stderr together as the address. Its
 *       form depends on the containerd line ({@link BootstrapAnswer}).</li>
 * </ol>
 * containerd dials the address once, right away. The socket is already listening, so the connection waits in
 * its backlog until the daemon's JVM is up and accepts it.
 */
final class StartCommand {
    private static final int BACKLOG = 128;

    private StartCommand() {
    }

    static int run(ShimFlags flags) {
        PrintStream out = System.out;
        try {
            StartRequest request = StartRequest.read(flags, System.getenv(), readStdin());
            Options options = request.options();
            Path bundleDir = Path.of("").toAbsolutePath();
            ShimMode mode = ShimMode.current();
            String group = mode.group(Bundle.load(bundleDir), request.id());
            Path socket = ShimSocket.path(request.socketDir(), request.grpcAddress(), request.namespace(), group);
            String address = ShimSocket.address(socket);

            Integer listener = listen(socket);
            // containerd (1.6, 1.7) reads this file back after its own restart: always the plain address.
            writeAddress(bundleDir, address);
            if (listener != null) {
                int daemon = spawnDaemon(mode, request, bundleDir, listener);
                Posix.close(listener);
                adjustOomScore(daemon);
                if (!options.getShimCgroup().isEmpty()) {
                    ShimCgroup.join(options.getShimCgroup(), daemon);
                }
            }
            BootstrapAnswer answer = BootstrapAnswer.choose(request,
                    grpc -> ContainerdVersion.ask(grpc, BootstrapAnswer.VERSION_DEADLINE));
            out.write(answer.render(address));
            out.flush();
            return 0;
        } catch (Exception e) {
            // containerd shows this text as the reason the task could not be created.
            System.err.println(ShimMode.current().binaryName() + " start: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Binds the group's socket; null if a live shim already serves it. A socket file nobody answers on is
     * left over from a shim that died: remove it and bind again.
     */
    private static Integer listen(Path socket) throws IOException {
        Path directory = socket.getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        for (int attempt = 0; ; attempt++) {
            try {
                int fd = UnixSocket.listen(socket.toString(), BACKLOG);
                Posix.chmod(socket.toString(), 0600);
                return fd;
            } catch (PosixException e) {
                if (e.errno() != Posix.EADDRINUSE || attempt > 0) {
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

    /**
     * The daemon is this same program, started again through the launcher that started us (same name, same mode).
     * It publishes events to TTRPC_ADDRESS: containerd's ttrpc address as this line gave it (BootstrapParams on
     * 2.3+, where the variable is said to go away; the variable before).
     */
    private static int spawnDaemon(ShimMode mode, StartRequest request, Path bundle, int listener) throws IOException {
        String launcher = System.getenv().getOrDefault("JRUNC_LAUNCHER", "");
        if (launcher.isEmpty() || !Files.isExecutable(Path.of(launcher))) {
            throw new IOException("cannot find the shim's launcher (JRUNC_LAUNCHER = " + launcher + ")");
        }
        List<String> argv = new ArrayList<>();
        argv.add(mode.binaryName());
        argv.addAll(request.daemonFlags().daemonArguments());
        Map<String, String> env = new HashMap<>(System.getenv());
        if (!request.ttrpcAddress().isEmpty()) {
            env.put("TTRPC_ADDRESS", request.ttrpcAddress());
        }
        return Spawn.of(launcher, argv)
                .env(env)
                .stdio(-1, -1, -1)
                .fd(3, listener)
                .cwd(bundle)
                .newSession()
                .start();
    }

    /**
     * Like the Go shim: the daemon is one step more killable than containerd under memory pressure, so the
     * kernel's OOM killer takes a shim before the containerd that manages all of them.
     */
    private static void adjustOomScore(int daemon) {
        try {
            int containerd = Integer.parseInt(Files.readString(Path.of("/proc", String.valueOf(Posix.getppid()), "oom_score_adj")).trim());
            int score = Math.min(containerd + 1, 1000);
            Files.writeString(Path.of("/proc", String.valueOf(daemon), "oom_score_adj"), Integer.toString(score));
        } catch (IOException | NumberFormatException e) {
            // best effort, as in the Go shim
        }
    }

    /**
     * stdin as containerd wrote it: the runtime options (1.6–2.2) or BootstrapParams (2.3+), or nothing. A terminal
     * (a human running start by hand) is left alone.
     */
    private static byte[] readStdin() throws IOException {
        return Posix.isTerminal(0) ? new byte[0] : System.in.readAllBytes();
    }
}
