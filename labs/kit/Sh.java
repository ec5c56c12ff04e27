package kit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.Runc;

/**
 * Runs other programs (ctr, ps, the fixture scripts) the way the shim runs runc: posix_spawn through the shim's
 * {@link Spawn}, output captured in a memfd and read back after the program exits.
 *
 * <p>Never through ProcessBuilder: once a lab runs the shim's {@link Reaper} (a {@code waitpid(-1)} loop), the JDK
 * would report wrong exit codes for its own children (lab 04 shows it happen). So when a reaper runs, a program
 * is started through {@link Reaper#spawn}, which registers its pid before it can exit; otherwise we wait for that
 * one pid ourselves.
 */
public final class Sh {
    private static volatile Reaper reaper;

    private Sh() {
    }

    /** What a finished program left: its exit status (128 + signal if killed) and what it printed. */
    public record Result(int status, String stdout, String stderr) {
        public boolean ok() {
            return status == 0;
        }

        /** stdout and stderr, as one would have seen them in a terminal (roughly). */
        public String combined() {
            return stdout + stderr;
        }
    }

    /** From now on every program is started through this reaper (call it right after {@code Reaper.start()}). */
    public static void useReaper(Reaper running) {
        reaper = running;
    }

    public static Result run(List<String> argv) {
        return run(argv, Map.of(), 60);
    }

    public static Result run(String... argv) {
        return run(List.of(argv));
    }

    /** Runs a program to its end (killing it after {@code timeoutSeconds}); never throws for a non-zero exit. */
    public static Result run(List<String> argv, Map<String, String> extraEnv, int timeoutSeconds) {
        int out = -1;
        int err = -1;
        try {
            out = Posix.memfd("stdout");
            err = Posix.memfd("stderr");
            Spawn spawn = Spawn.of(Runc.resolve(argv.get(0)), argv).stdio(-1, out, err).env(environment(extraEnv));
            Started started = start(spawn);
            int status;
            try {
                status = started.exit().get(timeoutSeconds, TimeUnit.SECONDS).status();
            } catch (TimeoutException e) {
                Posix.kill(started.pid(), Posix.SIGKILL);
                status = started.exit().get().status();
                return new Result(status, text(out), text(err) + "\n(killed after " + timeoutSeconds + " s)");
            }
            return new Result(status, text(out), text(err));
        } catch (Exception e) {
            return new Result(127, "", argv.get(0) + ": " + e.getMessage());
        } finally {
            Posix.closeQuietly(out, err);
        }
    }

    /** Starts a program that keeps running (e.g. {@code ctr events}) with its output appended to a file. */
    public static int background(List<String> argv, java.nio.file.Path output) throws PosixException {
        return background(argv, output, false);
    }

    /** The same, optionally in a session (and process group) of its own. */
    public static int background(List<String> argv, java.nio.file.Path output, boolean newSession) throws PosixException {
        int fd = Posix.open(output.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND | Posix.O_CLOEXEC, 0644);
        try {
            Spawn spawn = Spawn.of(Runc.resolve(argv.get(0)), argv).stdio(-1, fd, fd).env(environment(Map.of()));
            if (newSession) {
                spawn.newSession();
            }
            return start(spawn).pid();
        } finally {
            Posix.close(fd);
        }
    }

    private record Started(int pid, CompletableFuture<Exit> exit) {
    }

    private static Started start(Spawn spawn) throws PosixException {
        Reaper r = reaper;
        if (r != null) {
            Reaper.Child child = r.spawn(spawn);
            return new Started(child.pid(), child.exit());
        }
        int pid = spawn.start();
        CompletableFuture<Exit> exit = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            int[] status = new int[1];
            try {
                Posix.waitpid(pid, status, 0);
                exit.complete(new Exit(pid, Exit.statusOf(status[0]), java.time.Instant.now()));
            } catch (PosixException e) {
                exit.completeExceptionally(e);
            }
        }, "wait-" + pid);
        waiter.setDaemon(true);
        waiter.start();
        return new Started(pid, exit);
    }

    private static Map<String, String> environment(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("PATH", env.getOrDefault("PATH", "") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.putAll(extra);
        return env;
    }

    private static String text(int memfd) throws PosixException {
        return new String(Posix.readAll(memfd), StandardCharsets.UTF_8);
    }

    /** A command line as one would type it, quoting what needs quotes. */
    public static String quote(List<String> argv) {
        List<String> words = new ArrayList<>();
        for (String a : argv) {
            words.add(a.matches("[A-Za-z0-9_./:=,+@%-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return String.join(" ", words);
    }
}
