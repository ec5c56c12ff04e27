package kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A containerd of the lab's own, through the project's one fixture, {@code shim/scripts/private-containerd.sh}:
 * its root, state, sockets and log live in {@code /run/jrunc/labNN/containerd}, and stopping it removes its
 * containers, shims, mounts and runc state — and nothing of anybody else's.
 *
 * <p>The fixture puts {@code shim/target} first on containerd's PATH, so runtime {@code io.containerd.jrunc.v2}
 * resolves to our shim's launcher there, next to the Go shim {@code io.containerd.runc.v2}.
 */
public final class PrivateContainerd {
    static final String FOLDER = "containerd";
    public static final String GO_SHIM = "io.containerd.runc.v2";
    public static final String JAVA_SHIM = "io.containerd.jrunc.v2";
    /** ctr run --rootfs gives the container no environment at all; busybox needs a PATH. */
    public static final String PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Lab lab;
    private final Path dir;
    private final String namespace;
    private int pid;

    private PrivateContainerd(Lab lab, Path dir, String namespace) {
        this.lab = lab;
        this.dir = dir;
        this.namespace = namespace;
    }

    /** Starts it (and registers its stop as a clean-up step). */
    public static PrivateContainerd start(Lab lab, String namespace) {
        PrivateContainerd containerd = new PrivateContainerd(lab, lab.work().resolve(FOLDER), namespace);
        lab.cleanup("stopped the private containerd in " + containerd.dir + " (its shims and containers too)", containerd::stop);
        Sh.Result r = Sh.run(List.of(containerd.script(), "start", containerd.dir.toString(), namespace), Map.of(), 90);
        if (!r.ok()) {
            throw new Lab.CannotRun("the private containerd did not start:\n" + r.combined());
        }
        containerd.readPid();
        return containerd;
    }

    public Path dir() {
        return dir;
    }

    public String namespace() {
        return namespace;
    }

    public int pid() {
        return pid;
    }

    /** containerd's gRPC socket: what ctr talks to, and what the shims get as -address. */
    public String address() {
        return dir.resolve("containerd.sock").toString();
    }

    /** containerd's ttrpc socket: where shims send their events (they get it as TTRPC_ADDRESS). */
    public String ttrpcAddress() {
        return dir.resolve("containerd.sock.ttrpc").toString();
    }

    /** Where containerd keeps a task's bundle (config.json, address, init.pid, …). */
    public Path bundle(String id) {
        return dir.resolve("state/io.containerd.runtime.v2.task").resolve(namespace).resolve(id);
    }

    /** {@code ctr --address … --namespace … ARGS}; the command shown to the reader is {@link #shown}. */
    public Sh.Result ctr(String... args) {
        List<String> argv = new ArrayList<>(List.of("ctr", "--address", address(), "--namespace", namespace));
        argv.addAll(List.of(args));
        return Sh.run(argv, Map.of(), 60);
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

    public void kill9() throws Exception {
        dev.jrunc.shim.posix.Posix.kill(pid, dev.jrunc.shim.posix.Posix.SIGKILL);
        if (!Procs.await(60_000, () -> !Procs.alive(pid))) {
            throw new Lab.CannotRun("containerd pid " + pid + " did not die on SIGKILL");
        }
    }

    /** Starts containerd again on the same config, state and sockets (as after a crash or an upgrade). */
    public void restart() throws IOException {
        Sh.Result r = Sh.run(List.of(script(), "restart", dir.toString()), Map.of(), 90);
        if (!r.ok()) {
            throw new Lab.CannotRun("containerd did not restart:\n" + r.combined());
        }
        readPid();
    }

    private void stop() throws IOException {
        Sh.Result r = Sh.run(List.of(script(), "stop", dir.toString()), Map.of(), 120);
        if (!r.ok()) {
            throw new IOException("private-containerd.sh stop failed:\n" + r.combined());
        }
    }

    private void readPid() {
        try {
            pid = lab.pid(Integer.parseInt(Files.readString(dir.resolve("containerd.pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            throw new Lab.CannotRun("no containerd.pid in " + dir + ": " + e.getMessage());
        }
    }

    private String script() {
        return lab.repo().resolve("shim/scripts/private-containerd.sh").toString();
    }
}
