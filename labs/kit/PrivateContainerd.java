package kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * A containerd of one's own, through the project's one fixture, {@code shim/scripts/private-containerd.sh}: its
 * root, state, sockets and log live in one folder (a lab's {@code /run/jrunc/labNN/containerd}, a test's
 * {@code /run/jrunc/it-…}), and stopping it removes its containers, shims, mounts and runc state — and nothing of
 * anybody else's.
 *
 * <p>The fixture puts {@code shim/target} first on containerd's PATH, so runtime {@code io.containerd.jrunc.v2}
 * resolves to our shim's launcher there, next to the Go shim {@code io.containerd.runc.v2}.
 *
 * <p>The labs start one with {@link #start(Lab, String)}; the shim's tests through {@code dev.jrunc.testkit.Containerd},
 * which adds what JUnit needs (results to assert on, background ctr processes, a shutdown hook) around this class.
 */
public final class PrivateContainerd {
    static final String FOLDER = "containerd";
    public static final String GO_SHIM = "io.containerd.runc.v2";
    public static final String JAVA_SHIM = "io.containerd.jrunc.v2";
    /** ctr run --rootfs gives the container no environment at all; busybox needs a PATH. */
    public static final String PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Starting and stopping wait for containerd and clean up its shims and mounts: on a busy machine, a while. */
    private static final int SCRIPT_TIMEOUT_SECONDS = 120;

    private final Path script;
    private final Path dir;
    private final String namespace;
    /** The script's environment at the start (CRI=…, JRUNC_SHIM_DIR=…), again on a restart. */
    private final Map<String, String> scriptEnv;
    /** Told containerd's pid after every start (a lab numbers it for its transcript). */
    private final IntConsumer pidSeen;
    /** What a failure of the fixture becomes: a lab's "could not run", a test's error. */
    private final Function<String, RuntimeException> failure;

    private PrivateContainerd(Path script, Path dir, String namespace, Map<String, String> scriptEnv, IntConsumer pidSeen,
            Function<String, RuntimeException> failure) {
        this.script = script;
        this.dir = dir;
        this.namespace = namespace;
        this.scriptEnv = Map.copyOf(scriptEnv);
        this.pidSeen = pidSeen;
        this.failure = failure;
    }

    /** A lab's: in the lab's folder, its stop registered as a clean-up step, its pid numbered for the transcript. */
    public static PrivateContainerd start(Lab lab, String namespace) {
        PrivateContainerd containerd = new PrivateContainerd(script(lab.repo()), lab.work().resolve(FOLDER), namespace,
                Map.of(), lab::pid, Lab.CannotRun::new);
        lab.cleanup("stopped the private containerd in " + containerd.dir + " (its shims and containers too)", containerd::stop);
        containerd.start();
        return containerd;
    }

    /**
     * Starts one in {@code dir} (leftovers of an earlier, crashed run there are cleaned first), with {@code scriptEnv}
     * for the script (see its header: CRI, JRUNC_SHIM_DIR, …). A failure of the script becomes {@code failure}'s
     * exception, with the script's output.
     */
    public static PrivateContainerd start(Path script, Path dir, String namespace, Map<String, String> scriptEnv,
            Function<String, RuntimeException> failure) {
        PrivateContainerd containerd = new PrivateContainerd(script, dir, namespace, scriptEnv, pid -> { }, failure);
        containerd.start();
        return containerd;
    }

    /** The fixture script of the repository at {@code repo}. */
    public static Path script(Path repo) {
        return repo.resolve("shim/scripts/private-containerd.sh");
    }

    /** Runs {@code private-containerd.sh ARGS} with this environment added to ours. */
    public static Sh.Result script(Path script, Map<String, String> env, String... args) {
        List<String> argv = new ArrayList<>(List.of("bash", script.toString()));
        argv.addAll(List.of(args));
        return Sh.run(argv, env, SCRIPT_TIMEOUT_SECONDS);
    }

    public Path dir() {
        return dir;
    }

    public String namespace() {
        return namespace;
    }

    /** containerd's current pid (another one after {@link #restart()}). */
    public int pid() {
        try {
            return Integer.parseInt(Files.readString(dir.resolve("containerd.pid")).trim());
        } catch (IOException | NumberFormatException e) {
            throw failure.apply("no containerd.pid in " + dir + ": " + e.getMessage());
        }
    }

    /** containerd's gRPC socket: what ctr talks to, and what the shims get as -address. */
    public String address() {
        return dir.resolve("containerd.sock").toString();
    }

    /** containerd's ttrpc socket: where shims send their events (they get it as TTRPC_ADDRESS). */
    public String ttrpcAddress() {
        return dir.resolve("containerd.sock.ttrpc").toString();
    }

    /** containerd's state folder; bundles are in {@code io.containerd.runtime.v2.task/<ns>/<id>}. */
    public Path stateDir() {
        return dir.resolve("state");
    }

    /** containerd's root folder (metadata, content, snapshots, the bundles' {@code work} targets). */
    public Path rootDir() {
        return dir.resolve("root");
    }

    /** Where containerd keeps a task's bundle (config.json, address, init.pid, …). */
    public Path bundle(String id) {
        return stateDir().resolve("io.containerd.runtime.v2.task").resolve(namespace).resolve(id);
    }

    /** runc's state of container {@code id}, where the shims' runc keeps it (runc root per namespace). */
    public Path runcState(String id) {
        return Path.of("/run/containerd/runc", namespace, id);
    }

    /**
     * {@code ctr --address … --namespace … ARGS}: ctr from JRUNC_CONTAINERD_BIN when that names another containerd
     * line's binaries (what the fixture script then runs too), else the one on PATH.
     */
    public List<String> ctrCommand(String... args) {
        List<String> argv = new ArrayList<>(List.of(containerdTool("ctr"), "--address", address(), "--namespace", namespace));
        argv.addAll(List.of(args));
        return argv;
    }

    /** Runs {@link #ctrCommand}; the command shown to the reader is {@link #shown}. */
    public Sh.Result ctr(String... args) {
        return Sh.run(ctrCommand(args), Map.of(), 60);
    }

    /** A containerd tool ({@code containerd}, {@code ctr}): from JRUNC_CONTAINERD_BIN if set, else found on PATH. */
    public static String containerdTool(String name) {
        String bin = System.getenv("JRUNC_CONTAINERD_BIN");
        return bin == null || bin.isBlank() ? name : Path.of(bin, name).toString();
    }

    /** How a reader would type the same ctr command after {@code eval "$(private-containerd.sh env DIR)"}. */
    public static String shown(String... args) {
        List<String> argv = new ArrayList<>(List.of("ctr"));
        argv.addAll(List.of(args));
        return Sh.quote(argv);
    }

    /** {@code ctr run} of a busybox container, with its stdio fifos kept under our folder. */
    public List<String> runArgs(String runtime, String id, Path rootfs, List<String> options, List<String> command) {
        List<String> args = new ArrayList<>(List.of("run", "--runtime", runtime));
        args.addAll(options);
        // ctr's stdio FIFOs under our folder instead of /run/containerd/fifo (the fixture cleans both, but this
        // keeps everything a lab makes in one place).
        args.addAll(List.of("--fifo-dir", dir.resolve("fifo").toString()));
        args.addAll(List.of("--env", PATH_ENV, "--rootfs", rootfs.toString(), id));
        args.addAll(command);
        return args;
    }

    /** SIGKILL to containerd only: shims and containers keep running. Returns once it is dead. */
    public void kill9() {
        int pid = pid();
        try {
            dev.jrunc.shim.posix.Posix.kill(pid, dev.jrunc.shim.posix.Posix.SIGKILL);
        } catch (dev.jrunc.shim.posix.PosixException gone) {
            // already dead: what was asked for
        }
        if (!Procs.await(60_000, () -> !Procs.alive(pid))) {
            throw failure.apply("containerd pid " + pid + " did not die on SIGKILL");
        }
    }

    /** Starts containerd again on the same config, state and sockets (as after a crash or an upgrade). */
    public void restart() {
        run("restart", dir.toString());
        pidSeen.accept(pid());
    }

    /** Stops containerd and removes everything it made (tasks, shims, runc state, mounts, the folder). */
    public void stop() {
        run("stop", dir.toString());
    }

    private void start() {
        run("start", dir.toString(), namespace);
        pidSeen.accept(pid());
    }

    private void run(String... args) {
        Sh.Result r = script(script, scriptEnv, args);
        if (!r.ok()) {
            throw failure.apply("private-containerd.sh " + String.join(" ", args) + " failed (exit " + r.status() + "):\n"
                    + r.combined());
        }
    }

    @Override
    public String toString() {
        return "private containerd " + dir + " (namespace " + namespace + ")";
    }
}
