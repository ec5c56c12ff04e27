package lab01_spawn_runc.exercise;

import java.nio.file.Path;

import dev.jrunc.shim.runc.Runc;
import lab01_spawn_runc.Lab01;

/**
 * Lab 01 exercise: start a container with the shim's {@link Runc}, in two steps, as containerd's Create and Start
 * calls do. Each step runs runc once; runc exits when the step is done.
 *
 * <p>Run it: {@code jbang lab01}. Check it: {@code ./verify.sh lab01}. The shim's code: shim/src/main/java/dev/jrunc/shim/runc/Runc.java.
 */
public final class SpawnRunc implements Lab01.Exercise {

    @Override
    public void create(Runc runc, String id, Path pidFile, int stdout) throws Exception {
        // TODO(lab01): create the container with runc.create(...).
        //   runc.create(String id, Runc.CreateOptions options, int stdin, int stdout, int stderr)
        //   - options: new Runc.CreateOptions(pidFile, false, false, null)  (pid file; no-pivot, no-new-keyring: off;
        //     no console socket: no terminal)
        //   - stdio: the container's stdin is /dev/null (-1); its stdout and stderr both go to `stdout`.
    }

    @Override
    public void start(Runc runc, String id) throws Exception {
        // TODO(lab01): start it: one call on runc.
    }
}
