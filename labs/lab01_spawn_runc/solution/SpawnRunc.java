package lab01_spawn_runc.solution;

import java.nio.file.Path;

import dev.jrunc.shim.runc.Runc;
import lab01_spawn_runc.Lab01;

/** Lab 01 solution: the two runc calls of the shim's Create and Start. */
public final class SpawnRunc implements Lab01.Exercise {

    @Override
    public void create(Runc runc, String id, Path pidFile, int stdout) throws Exception {
        runc.create(id, new Runc.CreateOptions(pidFile, false, false, null), -1, stdout, stdout);
    }

    @Override
    public void start(Runc runc, String id) throws Exception {
        runc.start(id);
    }
}
