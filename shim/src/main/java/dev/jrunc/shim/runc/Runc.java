package dev.jrunc.shim.runc;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;

/**
 * Drives the runc command line for one container, the way containerd-shim-runc-v2 does.
 *
 * <p>Every call is a short-lived runc process: {@code runc create} sets the container up and exits, leaving the
 * container's init behind (blocked until {@code runc start}); {@code runc start} lets it run and exits; and so on.
 * runc never stays around — the shim is what stays. Each command line starts with the same global flags:
 * {@code runc --root <root> --log <bundle>/log.json --log-format json [--systemd-cgroup]}.
 */
public final class Runc {
    private static final System.Logger LOG = System.getLogger("jrunc.runc");

    /** runc's state root when the runtime options name none; the namespace is appended. */
    public static final String DEFAULT_ROOT = "/run/containerd/runc";

    private final Reaper reaper;
    private final String binary;
    private final String root;
    private final Path bundle;
    private final Path log;
    private final boolean systemdCgroup;
    private String executable;

    /**
     * @param binary        runc's path, or a name looked up on PATH
     * @param root          runc's state directory for this namespace, e.g. /run/containerd/runc/default
     * @param bundle        the container's bundle; runc runs there and logs to its log.json
     */
    public Runc(Reaper reaper, String binary, String root, Path bundle, boolean systemdCgroup) {
        this.reaper = reaper;
        this.binary = binary;
        this.root = root;
        this.bundle = bundle;
        this.log = bundle.resolve("log.json");
        this.systemdCgroup = systemdCgroup;
    }

    /** Options of {@code runc create} beyond the container id and bundle. */
    public record CreateOptions(Path pidFile, boolean noPivot, boolean noNewKeyring, String consoleSocket) {
    }

    /**
     * {@code runc create}: the container's init starts and waits; runc exits. The three fds become the init's
     * stdio (-1 = /dev/null). runc's own errors go to log.json, not to these fds' readers.
     */
    public void create(String id, CreateOptions options, int stdin, int stdout, int stderr) throws RuncException, IOException {
        List<String> args = new ArrayList<>(List.of("create", "--bundle", bundle.toString(),
                "--pid-file", options.pidFile().toString()));
        if (options.consoleSocket() != null) {
            args.addAll(List.of("--console-socket", options.consoleSocket()));
        }
        if (options.noPivot()) {
            args.add("--no-pivot");
        }
        if (options.noNewKeyring()) {
            args.add("--no-new-keyring");
        }
        args.add(id);
        run(args, stdin, stdout, stderr);
    }

    /**
     * {@code runc exec --detach}: one more process in the running container, described by an OCI Process JSON
     * file. Like create, runc exits once the process runs; the process becomes our child (we are its subreaper).
     */
    public void exec(String id, Path processJson, Path pidFile, String consoleSocket, int stdin, int stdout, int stderr)
            throws RuncException, IOException {
        List<String> args = new ArrayList<>(List.of("exec", "--process", processJson.toString()));
        if (consoleSocket != null) {
            args.addAll(List.of("--console-socket", consoleSocket));
        }
        args.addAll(List.of("--detach", "--pid-file", pidFile.toString(), id));
        run(args, stdin, stdout, stderr);
    }

    /** {@code runc pause}: freezes every process of the container (the freezer cgroup). */
    public void pause(String id) throws RuncException, IOException {
        run(List.of("pause", id));
    }

    public void resume(String id) throws RuncException, IOException {
        run(List.of("resume", id));
    }

    /** {@code runc update --resources -}: new cgroup limits, as OCI LinuxResources JSON on runc's stdin. */
    public void update(String id, byte[] resourcesJson) throws RuncException, IOException {
        int[] pipe = Posix.pipe();
        try {
            if (resourcesJson.length > 60 * 1024) {
                throw new IOException("resources JSON too large: " + resourcesJson.length + " bytes");
            }
            // Small enough for the pipe's buffer: write it all, close, and runc reads it to the end.
            Posix.writeFully(pipe[1], resourcesJson, resourcesJson.length);
            Posix.close(pipe[1]);
            pipe[1] = -1;
            run(List.of("update", "--resources", "-", id), pipe[0]);
        } finally {
            Posix.closeQuietly(pipe[0], pipe[1]);
        }
    }

    /** What {@code runc checkpoint} is asked to do (containerd's CheckpointOptions, spelled as runc's flags). */
    public record CheckpointOptions(Path imagePath, Path workPath, boolean leaveRunning, boolean tcpEstablished,
                                    boolean externalUnixSockets, boolean shellJob, boolean fileLocks,
                                    List<String> emptyNamespaces, String cgroupsMode) {
    }

    /** {@code runc checkpoint}: CRIU dumps the container's processes into an image directory. */
    public void checkpoint(String id, CheckpointOptions options) throws RuncException, IOException {
        List<String> args = new ArrayList<>(List.of("checkpoint", "--image-path", options.imagePath().toString(),
                "--work-path", options.workPath().toString()));
        if (options.leaveRunning()) {
            args.add("--leave-running");
        }
        if (options.tcpEstablished()) {
            args.add("--tcp-established");
        }
        if (options.externalUnixSockets()) {
            args.add("--ext-unix-sk");
        }
        if (options.shellJob()) {
            args.add("--shell-job");
        }
        if (options.fileLocks()) {
            args.add("--file-locks");
        }
        for (String namespace : options.emptyNamespaces()) {
            args.addAll(List.of("--empty-ns", namespace));
        }
        if (!options.cgroupsMode().isEmpty()) {
            args.addAll(List.of("--manage-cgroups-mode", options.cgroupsMode()));
        }
        args.add(id);
        run(args);
    }

    /** What {@code runc restore} is asked to do: Create with a checkpoint, as the Go shim spells it for runc. */
    public record RestoreOptions(Path imagePath, Path workPath, String parentPath, Path pidFile, boolean noPivot,
                                 String consoleSocket) {
    }

    /**
     * {@code runc restore --detach}: CRIU brings a checkpointed container's processes back; runc exits once they
     * run, and they are then our children, as after {@code runc create} — {@code --no-subreaper} keeps runc from
     * taking that role itself. The fds become the restored init's stdio, as for create.
     */
    public void restore(String id, RestoreOptions options, int stdin, int stdout, int stderr) throws RuncException, IOException {
        List<String> args = new ArrayList<>(List.of("restore", "--image-path", options.imagePath().toString(),
                "--work-path", options.workPath().toString()));
        if (!options.parentPath().isEmpty()) {
            args.addAll(List.of("--parent-path", options.parentPath()));
        }
        args.addAll(List.of("--bundle", bundle.toString(), "--detach", "--pid-file", options.pidFile().toString(),
                "--no-subreaper"));
        if (options.consoleSocket() != null) {
            args.addAll(List.of("--console-socket", options.consoleSocket()));
        }
        if (options.noPivot()) {
            args.add("--no-pivot");
        }
        args.add(id);
        run(args, stdin, stdout, stderr);
    }

    /** {@code runc start}: the waiting init execs the container's process. */
    public void start(String id) throws RuncException, IOException {
        run(List.of("start", id));
    }

    /** {@code runc kill [--all]}: signals the init (or, with all, every process of the container). */
    public void kill(String id, int signal, boolean all) throws RuncException, IOException {
        List<String> args = new ArrayList<>(List.of("kill"));
        if (all) {
            args.add("--all");
        }
        args.add(id);
        args.add(Integer.toString(signal));
        run(args);
    }

    /** {@code runc delete [--force]}: removes runc's state and the container's cgroup. */
    public void delete(String id, boolean force) throws RuncException, IOException {
        run(force ? List.of("delete", "--force", id) : List.of("delete", id));
    }

    /** {@code runc ps --format json}: the pids of every process in the container. */
    public List<Integer> ps(String id) throws RuncException, IOException {
        String output = run(List.of("ps", "--format", "json", id)).trim();
        List<Integer> pids = new ArrayList<>();
        Object parsed = Json.parse(output.isEmpty() ? "[]" : output);
        if (parsed instanceof List<?> list) {
            for (Object pid : list) {
                pids.add(((Number) pid).intValue());
            }
        }
        return pids;
    }

    private String run(List<String> command) throws RuncException, IOException {
        return run(command, -1);
    }

    /** Runs runc with its stdout and stderr in memory; returns the output, or throws with runc's error. */
    private String run(List<String> command, int stdin) throws RuncException, IOException {
        int output = Posix.memfd("runc-output");
        try {
            run(command, stdin, output, output);
            return new String(Posix.readAll(output), StandardCharsets.UTF_8);
        } catch (RuncException e) {
            String text = new String(Posix.readAll(output), StandardCharsets.UTF_8).trim();
            if (e.getMessage().isEmpty() && !text.isEmpty()) {
                throw new RuncException(text, e.exitStatus());
            }
            throw e;
        } finally {
            Posix.close(output);
        }
    }

    private void run(List<String> command, int stdin, int stdout, int stderr) throws RuncException, IOException {
        List<String> argv = new ArrayList<>(List.of(binary, "--root", root, "--log", log.toString(), "--log-format", "json"));
        if (systemdCgroup) {
            argv.add("--systemd-cgroup");
        }
        argv.addAll(command);
        long logOffset = sizeOf(log);
        long started = System.nanoTime();
        if (executable == null) {
            executable = resolve(binary);
        }
        Exit exit = reaper.spawn(Spawn.of(executable, argv)
                .stdio(stdin, stdout, stderr)
                .cwd(bundle)
                .env(environment()))
                .await();
        long millis = (System.nanoTime() - started) / 1_000_000;
        LOG.log(System.Logger.Level.INFO, "runc {0} ({1} ms, exit {2})", String.join(" ", command), String.valueOf(millis), String.valueOf(exit.status()));
        if (exit.status() != 0) {
            String error = lastError(log, logOffset);
            throw new RuncException(error == null ? "" : error, exit.status());
        }
    }

    /** The shim's environment without NOTIFY_SOCKET, which would make runc talk to systemd for the container. */
    private static java.util.Map<String, String> environment() {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.remove("NOTIFY_SOCKET");
        return env;
    }

    /** The last {@code "level":"error"} message runc appended to its JSON log after {@code offset}. */
    static String lastError(Path log, long offset) {
        if (!Files.exists(log)) {
            return null;
        }
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            if (length <= offset) {
                return null;
            }
            byte[] appended = new byte[(int) Math.min(length - offset, 1 << 20)];
            file.seek(length - appended.length);
            file.readFully(appended);
            String error = null;
            for (String line : new String(appended, StandardCharsets.UTF_8).split("\n")) {
                try {
                    if (Json.parse(line) instanceof java.util.Map<?, ?> entry && "error".equals(entry.get("level"))) {
                        error = String.valueOf(entry.get("msg"));
                    }
                } catch (IllegalArgumentException notJson) {
                    // a partial or foreign line: skip it
                }
            }
            return error;
        } catch (IOException e) {
            return null;
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Finds a program on PATH, as exec(3p) would; an absolute or relative path is returned unchanged. */
    public static String resolve(String name) throws PosixException {
        if (name.contains("/")) {
            return name;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate.toString();
            }
        }
        throw new PosixException("exec", name + " (not found on PATH)", Posix.ENOENT);
    }
}
