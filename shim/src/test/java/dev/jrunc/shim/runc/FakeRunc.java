package dev.jrunc.shim.runc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;

/**
 * A runc stand-in for unit tests, run through the same configurable runc binary the shim uses (runc options'
 * BinaryName): a shell script ({@code fake-runc.sh}, which says what it does) copied into a test's folder. It
 * records every command line, keeps its containers' state under {@link #root()}, and starts small shell processes
 * where runc would start a container's — no root, no namespaces, no cgroups.
 *
 * <p>Those processes are re-parented to the test's JVM, which must therefore be a child subreaper
 * ({@link Posix#setChildSubreaper()}), and reaped by the shim's {@code Reaper}. {@link #close()} kills the ones
 * still running and waits until they are gone.
 */
public final class FakeRunc implements AutoCloseable {
    private static final Duration GONE_WITHIN = Duration.ofSeconds(10);

    private final Path dir;

    private FakeRunc(Path dir) {
        this.dir = dir;
    }

    /** Writes the fake runc into {@code dir}, which it then uses for its records. */
    public static FakeRunc in(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("programs"));
        Files.createDirectories(dir.resolve("state"));
        Path binary = dir.resolve("runc");
        Files.writeString(binary, resource("fake-runc.sh").replace("@FAKE_RUNC_DIR@", dir.toString()));
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("process.sh"), resource("fake-process.sh"));
        return new FakeRunc(dir);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = FakeRunc.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The program to name as runc (BinaryName). */
    public Path binary() {
        return dir.resolve("runc");
    }

    /** A folder for runc's {@code --root}. */
    public Path root() {
        return dir.resolve("state");
    }

    /** What the process with this key runs (shell code): the container id for an init, the exec id for an exec. */
    public FakeRunc program(String key, String shellCode) throws IOException {
        Files.writeString(dir.resolve("programs").resolve(key), shellCode + "\n");
        return this;
    }

    /** The next runc {@code command}s fail, with {@code message} as runc's error in its JSON log. */
    public FakeRunc failing(String command, String message) throws IOException {
        Files.writeString(dir.resolve("fail-" + command), message);
        return this;
    }

    /** runc start returns only once the init has exited and been reaped: the init exits before Start returns. */
    public FakeRunc startReturnsAfterTheExit() throws IOException {
        Files.writeString(dir.resolve("start-waits-for-exit"), "");
        return this;
    }

    /** runc exec returns only once the exec'd process has exited and been reaped. */
    public FakeRunc execReturnsAfterTheExit() throws IOException {
        Files.writeString(dir.resolve("exec-waits-for-exit"), "");
        return this;
    }

    /** Each invocation's arguments after the program's name, oldest first. */
    public List<List<String>> calls() throws IOException {
        Path calls = dir.resolve("calls");
        List<List<String>> result = new ArrayList<>();
        if (Files.exists(calls)) {
            for (String line : Files.readAllLines(calls)) {
                result.add(Arrays.asList(line.split(" ")));
            }
        }
        return result;
    }

    /** Each invocation's subcommand and its arguments, without runc's global flags (--root, --log, …). */
    public List<List<String>> commandLines() throws IOException {
        List<List<String>> lines = new ArrayList<>();
        for (List<String> call : calls()) {
            int i = 0;
            while (i < call.size() && call.get(i).startsWith("--")) {
                i += call.get(i).equals("--systemd-cgroup") ? 1 : 2;
            }
            lines.add(call.subList(i, call.size()));
        }
        return lines;
    }

    /** The subcommands run (create, start, …), oldest first. */
    public List<String> commands() throws IOException {
        return commandLines().stream().map(line -> line.isEmpty() ? "" : line.get(0)).toList();
    }

    /** The Process JSON runc exec was given for that exec id. */
    public String processJson(String execId) throws IOException {
        return Files.readString(dir.resolve("process-" + execId + ".json"));
    }

    /** What runc update read on its stdin for that container. */
    public String updateInput(String id) throws IOException {
        return Files.readString(dir.resolve("update-" + id + ".json"));
    }

    /** Whether a process the fake started runs (or waits to be reaped). */
    public static boolean exists(int pid) {
        return Files.exists(Path.of("/proc", Integer.toString(pid)));
    }

    /**
     * Kills every process this fake started that is still there — checked by the marker in its environment, so
     * a pid reused by someone else's process is left alone — and waits until the reaper has taken them.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        Path pids = dir.resolve("pids");
        if (!Files.exists(pids)) {
            return;
        }
        List<Integer> ours = new ArrayList<>();
        for (String line : Files.readAllLines(pids)) {
            int pid = Integer.parseInt(line.trim());
            if (startedByUs(pid)) {
                ours.add(pid);
                try {
                    Posix.kill(pid, Posix.SIGKILL);
                } catch (PosixException gone) {
                    // exited meanwhile
                }
            }
        }
        for (int pid : ours) {
            awaitGone(pid);
        }
    }

    /** Until the process has been reaped (its /proc entry is gone), for up to 10 s. */
    public static void awaitGone(int pid) throws InterruptedException {
        long deadline = System.nanoTime() + GONE_WITHIN.toNanos();
        while (exists(pid)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fake runc's process " + pid + " is still there after " + GONE_WITHIN.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }

    private boolean startedByUs(int pid) {
        try {
            byte[] environ = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "environ"));
            String marker = "FAKE_RUNC_DIR=" + dir;
            for (String variable : new String(environ, StandardCharsets.UTF_8).split("\0")) {
                if (variable.equals(marker)) {
                    return true;
                }
            }
            return false;
        } catch (IOException gone) {
            return false;
        }
    }
}
