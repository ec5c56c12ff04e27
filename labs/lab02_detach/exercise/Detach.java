package lab02_detach.exercise;

import java.util.List;

import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import lab02_detach.Lab02;

/**
 * Lab 02 exercise: the key lines of {@code containerd-shim-jrunc-v2 start}, which spawns the shim's daemon and exits.
 * The daemon must outlive `start` and containerd, must not keep containerd waiting, and must serve the socket that
 * `start` listens on.
 *
 * <p>Run it: {@code jbang lab02}. Check it: {@code ./verify.sh lab02}.
 */
public final class Detach implements Lab02.Exercise {

    @Override
    public int spawnDaemon(String program, List<String> argv, int listener) throws PosixException {
        // TODO(lab02): as written, the daemon gets what ProcessBuilder.inheritIO() would give it: our stdin, stdout
        //   and stderr, our session and process group, and not the socket. Make it a daemon that
        //   - keeps nothing of containerd's: containerd reads `start`'s stdout and stderr until the LAST process
        //     holding them closes them, and wrote its options into `start`'s stdin;
        //   - survives a signal to containerd's whole process group (`man 2 setsid`, `man 7 credentials`);
        //   - finds the listening socket as its fd 3, where the shim's daemon looks for it, and has no other fd.
        //   Spawn (shim/src/main/java/dev/jrunc/shim/posix/Spawn.java) can do all of it: read what it offers and
        //   what it does with the fds you do not name.
        return Spawn.of(program, argv).stdio(0, 1, 2).start();
    }
}
