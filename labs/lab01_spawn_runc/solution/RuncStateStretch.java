package lab01_spawn_runc.solution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.reaper.Exit;
import lab01_spawn_runc.Lab01;
import lab01_spawn_runc.Lab01.ContainerState;
import lab01_spawn_runc.Lab01.RuncSetup;

/**
 * Lab 01 stretch solution: runc's stdout into a memfd (an in-memory file: no pipe to drain while runc runs, no file
 * to clean up), read back after it exited; errors from the log, as for create.
 */
public final class RuncStateStretch implements Lab01.Stretch {

    @Override
    public ContainerState state(RuncSetup runc, String id, Path bundle) throws Exception {
        Path log = bundle.resolve("log.json");
        long before = Files.exists(log) ? Files.size(log) : 0;
        List<String> argv = List.of("runc", "--root", runc.root(), "--log", log.toString(), "--log-format", "json", "state", id);
        int stdout = Posix.memfd("runc-state");
        try {
            Exit exit = runc.reaper().spawn(Spawn.of(runc.runc(), argv).stdio(-1, stdout, -1).cwd(bundle)).await();
            if (exit.status() != 0) {
                String reason = SpawnRunc.lastError(log, before);
                throw new IOException(reason != null ? reason : "runc state failed with exit status " + exit.status());
            }
            Map<?, ?> state = (Map<?, ?>) Json.parse(new String(Posix.readAll(stdout), StandardCharsets.UTF_8));
            return new ContainerState(String.valueOf(state.get("status")), ((Number) state.get("pid")).intValue());
        } finally {
            Posix.close(stdout);
        }
    }
}
