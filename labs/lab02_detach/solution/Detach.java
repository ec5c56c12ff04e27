package lab02_detach.solution;

import java.util.List;

import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import lab02_detach.Lab02;

/**
 * Lab 02 solution: stdio on /dev/null, the listener as fd 3, a session of its own (setsid in the child, through
 * posix_spawn). Spawn closes every fd above the highest one named, so nothing else leaks.
 */
public final class Detach implements Lab02.Exercise {

    @Override
    public int spawnDaemon(String program, List<String> argv, int listener) throws PosixException {
        return Spawn.of(program, argv).stdio(-1, -1, -1).fd(3, listener).newSession().start();
    }
}
