package lab02_detach.exercise;

import java.util.List;

import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import lab02_detach.Lab02;

/**
 * Lab 02 exercise: the key lines of {@code containerd-shim-jrunc-v2 start}, which spawns the shim's daemon and exits.
 * The daemon must outlive `start` and containerd, and must not keep containerd waiting.
 *
 * <p>Run it: {@code jbang lab02}. Check it: {@code ./verify.sh lab02}. The shim's code: StartCommand.spawnDaemon in
 * shim/src/main/java/dev/jrunc/shim/cli/StartCommand.java; the builder: shim/src/main/java/dev/jrunc/shim/posix/Spawn.java.
 */
public final class Detach implements Lab02.Exercise {

    @Override
    public int spawnDaemon(String program, List<String> argv) throws PosixException {
        // TODO(lab02): as written, the daemon inherits our stdin, stdout and stderr (fds 0, 1, 2), and stays in
        //   our session and process group: what ProcessBuilder.inheritIO() would give it. Two things must change:
        //   1. its stdio: containerd reads `start`'s stdout+stderr until the LAST writer closes them. Give the
        //      daemon /dev/null instead (in Spawn, fd -1 means /dev/null).
        //   2. its session: signals for containerd's process group must not reach it. Spawn can call setsid()
        //      in the child for you.
        return Spawn.of(program, argv).stdio(0, 1, 2).start();
    }
}
