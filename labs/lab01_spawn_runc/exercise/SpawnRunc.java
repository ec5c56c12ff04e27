package lab01_spawn_runc.exercise;

import java.nio.file.Path;

import lab01_spawn_runc.Lab01;
import lab01_spawn_runc.Lab01.RuncSetup;

/**
 * Lab 01 exercise: run runc as the shim does, for containerd's Create and Start calls. Each call runs runc once, as a
 * short-lived process; runc exits when the step is done.
 *
 * <p>Run it: {@code jbang lab01}. Check it: {@code ./verify.sh lab01}.
 */
public final class SpawnRunc implements Lab01.Exercise {

    @Override
    public void create(RuncSetup runc, String id, Path bundle, Path pidFile, int output) throws Exception {
        // TODO(lab01): 1. run `runc create` for the container `id`, and return once runc has exited.
        //   - The command line: runc's global options first (its state folder, and a log in JSON, in the bundle's
        //     log.json), then the create command with the bundle and the pid file (`runc --help`, `runc create --help`).
        //   - Start it the way the shim starts every program: a dev.jrunc.shim.posix.Spawn (posix_spawn: the child's
        //     fds, its working folder) handed to runc.reaper(), which tells you when it exits. Never ProcessBuilder:
        //     lab 04 shows why, and this lab checks it. The container's stdin is /dev/null; stdout and stderr `output`.
        //   - When runc fails, throw an exception whose message is runc's own reason: the "msg" of the last
        //     "level":"error" line that this call added to log.json (dev.jrunc.shim.json.Json parses a line).
        //   The lab makes runc fail twice, and checks what you say each time.
        //   The shim's own version: shim/src/main/java/dev/jrunc/shim/runc/Runc.java (read it after yours works).
    }

    @Override
    public void start(RuncSetup runc, String id, Path bundle) throws Exception {
        // TODO(lab01): 2. run `runc start` for `id` the same way (what you wrote for create is most of it).
    }
}
