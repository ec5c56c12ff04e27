package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import dev.jrunc.shim.posix.Posix;

/**
 * How the launcher finds a running shared shim without starting a JVM: the shim, once it serves, writes its
 * pid to {@code /run/jrunc-shim/<socket name>.pid}. The launcher (a shell script) checks that file, that the
 * pid is a live jrunc shim and that the socket exists, and then answers containerd's {@code start} itself.
 */
final class SharedShim {
    static final Path DIRECTORY = Path.of("/run/jrunc-shim");

    private SharedShim() {
    }

    /** Returns the pid file written, or null if it could not be (the launcher then starts a JVM; still correct). */
    static Path advertise(Path socket) {
        try {
            Files.createDirectories(DIRECTORY);
            Path pidFile = DIRECTORY.resolve(socket.getFileName() + ".pid");
            Path temporary = DIRECTORY.resolve("." + socket.getFileName() + ".pid");
            Files.writeString(temporary, Integer.toString(Posix.getpid()));
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
