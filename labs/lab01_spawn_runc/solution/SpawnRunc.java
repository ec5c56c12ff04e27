package lab01_spawn_runc.solution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.reaper.Exit;
import lab01_spawn_runc.Lab01;
import lab01_spawn_runc.Lab01.RuncSetup;

/**
 * Lab 01 solution: one runner for every runc command. Global options first; the Reaper starts runc and reports its
 * exit; on failure, the last error runc appended to its JSON log during this call.
 */
public final class SpawnRunc implements Lab01.Exercise {

    @Override
    public void create(RuncSetup runc, String id, Path bundle, Path pidFile, int output) throws Exception {
        run(runc, bundle, List.of("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id), output, output);
    }

    @Override
    public void start(RuncSetup runc, String id, Path bundle) throws Exception {
        run(runc, bundle, List.of("start", id), -1, -1);
    }

    /** Runs runc with {@code command} after the global options; -1 as an fd means /dev/null. */
    static void run(RuncSetup runc, Path bundle, List<String> command, int stdout, int stderr) throws Exception {
        Path log = bundle.resolve("log.json");
        // argv[0] is the name ps shows (`runc init`); the program run is runc.runc(), a path (posix_spawn has no PATH search).
        List<String> argv = new ArrayList<>(List.of("runc", "--root", runc.root(), "--log", log.toString(), "--log-format", "json"));
        argv.addAll(command);
        long before = Files.exists(log) ? Files.size(log) : 0;     // runc appends: this call's lines come after
        Exit exit = runc.reaper().spawn(Spawn.of(runc.runc(), argv).stdio(-1, stdout, stderr).cwd(bundle)).await();
        if (exit.status() != 0) {
            String reason = lastError(log, before);
            throw new IOException(reason != null ? reason : "runc " + command.get(0) + " failed with exit status " + exit.status());
        }
    }

    /** The msg of the last line with "level":"error" after {@code offset}, or null. */
    static String lastError(Path log, long offset) throws IOException {
        if (!Files.exists(log)) {
            return null;
        }
        byte[] all = Files.readAllBytes(log);
        String added = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset), StandardCharsets.UTF_8);
        String reason = null;
        for (String line : added.split("\n")) {
            if (!line.isBlank() && Json.parse(line) instanceof Map<?, ?> entry && "error".equals(entry.get("level"))) {
                reason = String.valueOf(entry.get("msg"));
            }
        }
        return reason;
    }
}
