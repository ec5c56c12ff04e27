package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;


/**
 * How the launcher finds a running shim without starting a JVM. A shim, once it serves, writes
 * {@code "<pid> <socket>"} to a file whose name the launcher (a shell script) can compute with builtins alone:
 * <ul>
 *   <li>the shared shim of a namespace: {@code /run/jrunc-shim/<namespace><containerd address with / as _>};</li>
 *   <li>a per-pod shim: {@code /run/jrunc-shim/s/<the socket's name>}, the sha256 that names the socket (the
 *       launcher computes it from the pod's group as the JVM does, {@link ShimSocket}).</li>
 * </ul>
 * The launcher checks that the pid is a live jrunc shim of the right kind and that the socket exists, and then
 * answers containerd's {@code start} itself. The file is a hint, never the truth: a stale one costs only the JVM
 * start it would have saved.
 */
final class Advertisement {
    static final Path DIRECTORY = Path.of("/run/jrunc-shim");

    private final Path file;
    private final Path socket;

    private Advertisement(Path file, Path socket) {
        this.file = file;
        this.socket = socket;
    }

    /** The advertisement of the shim of this mode that listens on {@code socket}. */
    static Advertisement of(ShimMode mode, ShimFlags flags, Path socket) {
        Path file = mode == ShimMode.SHARED
                ? DIRECTORY.resolve(flags.namespace() + ShimSocket.stripScheme(flags.address()).replace('/', '_'))
                : DIRECTORY.resolve("s").resolve(socket.getFileName().toString());
        return new Advertisement(file, socket);
    }

    /**
     * Says where we serve, as soon as the socket listens (a container sent our way waits in its backlog until
     * the server accepts). If the file cannot be written the launcher starts a JVM: slower, still correct.
     */
    Advertisement publish() {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling("." + file.getFileName());
            Files.writeString(temporary, ProcessHandle.current().pid() + " " + socket);   // not Posix: no native binding before the answer
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // see above
        }
        return this;
    }

    /** First thing when a shim stops, so that no launcher sends a new container its way. */
    void withdraw() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the launcher also checks that the pid is alive and ours
        }
    }
}
