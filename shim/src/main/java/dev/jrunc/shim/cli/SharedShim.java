package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import dev.jrunc.shim.posix.Posix;

/**
 * How the launcher finds a running shared shim without starting a JVM: the shim, once it serves, writes
 * {@code "<pid> <socket>"} to {@code /run/jrunc-shim/<namespace><containerd address with / as _>}, a name the
 * launcher (a shell script) can compute with builtins alone. The launcher checks that the pid is a live shared
 * jrunc shim and that the socket exists, and then answers containerd's {@code start} itself.
 */
final class SharedShim {
    static final Path DIRECTORY = Path.of("/run/jrunc-shim");

    private SharedShim() {
    }

    /** Returns the file written, or null if it could not be (the launcher then starts a JVM; still correct). */
    static Path advertise(String namespace, String containerdAddress, Path socket) {
        try {
            Files.createDirectories(DIRECTORY);
            String name = namespace + ShimSocket.stripScheme(containerdAddress).replace('/', '_');
            Path pidFile = DIRECTORY.resolve(name);
            Path temporary = DIRECTORY.resolve("." + name);
            Files.writeString(temporary, Posix.getpid() + " " + socket);
            Files.move(temporary, pidFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return pidFile;
        } catch (IOException e) {
            return null;
        }
    }

    static void withdraw(Path pidFile) {
        if (pidFile != null) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // the launcher also checks that the pid is alive and ours
            }
        }
    }
}
