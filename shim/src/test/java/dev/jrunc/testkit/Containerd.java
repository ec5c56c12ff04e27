package dev.jrunc.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import kit.PrivateContainerd;
import kit.Sh;

/**
 * A private containerd for a test: the kit's {@link PrivateContainerd} (the one wrapper of
 * {@code shim/scripts/private-containerd.sh}, which the labs use too), plus what JUnit tests need around it: ctr's
 * results to assert on, ctr processes in the background, and a shutdown hook that stops containerd if the test
 * could not. Tests get one from {@link PrivateContainerdExtension} as a parameter; {@link #start(Path, String, boolean)}
 * and {@link #stop()} are public for tests that need a second one.
 *
 * <p>{@code ctr run --rootfs} gives the container no environment at all (an image would supply PATH), and runc
 * then cannot find {@code echo}. Pass {@code --env} {@link #PATH_ENV}, or use {@link #runBusybox}.
 */
public final class Containerd {

    /** The Go runc shim installed with containerd: the reference our shim is compared with. */
    public static final String GO_RUNTIME = PrivateContainerd.GO_SHIM;
    /** Our shim, {@code containerd-shim-jrunc-v2}, found on containerd's PATH. */
    public static final String JRUNC_RUNTIME = PrivateContainerd.JAVA_SHIM;
    /** The environment entry busybox containers need (see the class comment). */
    public static final String PATH_ENV = PrivateContainerd.PATH_ENV;
    /** How long {@link #ctr(String...)} waits for ctr. */
    public static final Duration CTR_TIMEOUT = Duration.ofSeconds(60);

    private final PrivateContainerd fixture;
    private final List<Process> background = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook;
    private volatile boolean stopped;

    private Containerd(PrivateContainerd fixture) {
        this.fixture = fixture;
        this.shutdownHook = new Thread(this::stopQuietly, "stop private containerd " + fixture.dir());
    }

    /**
     * Starts a private containerd in {@code dir} (e.g. {@code /run/jrunc/it-foo}; leftovers of an earlier,
     * crashed run there are cleaned first). A JVM shutdown hook stops it if nobody calls {@link #stop()}.
     *
     * @param cri keep containerd's CRI plugin enabled, with handlers runc and jrunc and the sandbox and busybox images
     *            of {@code build-images.sh} imported into namespace k8s.io (CRI's namespace)
     * @throws IllegalStateException with the script's output if it did not start
     */
    public static Containerd start(Path dir, String namespace, boolean cri) {
        return start(dir, namespace, cri, Map.of());
    }

    /**
     * Like {@link #start(Path, String, boolean)}, with more environment for {@code private-containerd.sh} (see its
     * header), e.g. {@code CRI_JRUNC=0} for a CRI config without handler jrunc.
     */
    public static Containerd start(Path dir, String namespace, boolean cri, Map<String, String> scriptEnv) {
        Testkit.checkPrerequisites();
        Map<String, String> env = scriptEnvironment(scriptEnv);
        env.put("CRI", cri ? "1" : "0");
        Containerd c = new Containerd(PrivateContainerd.start(Testkit.privateContainerdScript(),
                dir.toAbsolutePath().normalize(), namespace, env, IllegalStateException::new));
        Runtime.getRuntime().addShutdownHook(c.shutdownHook);
        return c;
    }

    /** Runs {@code private-containerd.sh ARGS} (JRUNC_SHIM_DIR set), echoing its messages to our stderr. */
    public static CtrResult script(Map<String, String> env, String... args) {
        Sh.Result r = PrivateContainerd.script(Testkit.privateContainerdScript(), scriptEnvironment(env), args);
        System.err.print(r.stderr());
        return new CtrResult(r.status(), r.stdout(), r.stderr(), List.of(args));
    }

    /** The script's environment for a test: our shim's folder first on containerd's PATH, unless the test says. */
    private static Map<String, String> scriptEnvironment(Map<String, String> env) {
        Map<String, String> full = new java.util.HashMap<>(env);
        full.putIfAbsent("JRUNC_SHIM_DIR", Testkit.shimDir().toString());
        return full;
    }

    /** The kit's containerd under this one (for the kit's helpers, such as {@link kit.Leftovers#of}). */
    public PrivateContainerd fixture() {
        return fixture;
    }

    // ---- where things are ----------------------------------------------------------------------------------

    /** containerd's gRPC socket path (what {@code ctr --address} and the shims' {@code -address} get). */
    public String address() {
        return fixture.address();
    }

    /** containerd's ttrpc socket path (the shims' TTRPC_ADDRESS, where they publish events). */
    public String ttrpcAddress() {
        return fixture.ttrpcAddress();
    }

    public String namespace() {
        return fixture.namespace();
    }

    /** The fixture folder (config.toml, containerd.log, sockets, root/, state/). */
    public Path dir() {
        return fixture.dir();
    }

    /** containerd's state folder; bundles are in {@code io.containerd.runtime.v2.task/<ns>/<id>}. */
    public Path stateDir() {
        return fixture.stateDir();
    }

    /** containerd's root folder (metadata, content, snapshots, the bundles' {@code work} targets). */
    public Path rootDir() {
        return fixture.rootDir();
    }

    /** The bundle containerd makes for container {@code id} in our namespace. */
    public Path bundle(String id) {
        return fixture.bundle(id);
    }

    /** The shim socket path containerd 1.6 expects for container {@code id}: sha256 of address/namespace/id. */
    public Path shimSocket(String id) {
        return Path.of("/run/containerd/s", Testkit.sha256Hex(address() + "/" + namespace() + "/" + id));
    }

    /** The shared busybox rootfs for {@code ctr run --rootfs}. */
    public Path busyboxRootfs() {
        return Testkit.busyboxRootfs();
    }

    public Path logFile() {
        return dir().resolve("containerd.log");
    }

    /** Everything containerd logged so far (shims' stderr is copied into it too). */
    public String log() {
        return Testkit.read(logFile());
    }

    /** containerd's current pid (changes with {@link #restart()}). */
    public long pid() {
        return fixture.pid();
    }

    // ---- ctr -----------------------------------------------------------------------------------------------

    /** {@code ctr --address … --namespace … ARGS}, stdin empty, waits at most 60 s. */
    public CtrResult ctr(String... args) {
        return ctr(CTR_TIMEOUT, args);
    }

    /** Like {@link #ctr(String...)} with another time limit. */
    public CtrResult ctr(Duration timeout, String... args) {
        return Testkit.run(timeout, Map.of(), null, ctrCommand(args));
    }

    /**
     * Like {@link #ctr(String...)}, with {@code stdin} fed to ctr (and so to a container's stdin), then EOF for ctr.
     * Note: {@code ctr run} (containerd 1.6) never sends CloseIO, so the container reads the bytes but never sees
     * EOF: let it read a known amount ({@code read line}, {@code head -n 1}), not {@code cat}.
     */
    public CtrResult ctrWithStdin(byte[] stdin, String... args) {
        return Testkit.run(CTR_TIMEOUT, Map.of(), stdin, ctrCommand(args));
    }

    /**
     * Starts {@code ctr … ARGS} without waiting (e.g. {@code events}); stdout goes to {@code stdoutFile}, stderr to
     * {@code stdoutFile + ".stderr"}. Killed by {@link #stop()} if the test did not stop it.
     */
    /**
     * {@code ctr events} in the background, printing to {@code file}, returned once it provably listens. ctr
     * subscribes a moment after it starts, and says nothing when it has; so containerd is made to publish an event
     * of its own (a namespace created and removed: /namespaces/create and /namespaces/delete, in no test's
     * namespace) and this waits until ctr has printed it.
     */
    public Process ctrEvents(Path file) {
        Process watcher = ctrInBackground(file, "events");
        // ctr subscribes after it has started: an event published before that is never printed. So publish
        // a sentinel (a namespace created) again and again until one of them shows: then ctr listens.
        List<String> sentinels = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long nextSentinel = 0;
        while (sentinels.stream().noneMatch(readFile(file)::contains)) {
            if (!watcher.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("ctr events did not print /namespaces/create for any of " + sentinels
                        + (watcher.isAlive() ? " within 30 s" : ": it exited") + "; it printed: " + readFile(file));
            }
            if (System.nanoTime() >= nextSentinel) {
                String sentinel = "jrunc-listening-" + LISTENING.incrementAndGet();
                ctr("namespaces", "create", sentinel).assertOk();
                sentinels.add(sentinel);
                nextSentinel = System.nanoTime() + Duration.ofMillis(250).toNanos();
            }
            sleep(20);
        }
        for (String sentinel : sentinels) {
            ctr("namespaces", "remove", sentinel).assertOk();
        }
        return watcher;
    }

    private static final java.util.concurrent.atomic.AtomicInteger LISTENING = new java.util.concurrent.atomic.AtomicInteger();

    public Process ctrInBackground(Path stdoutFile, String... args) {
        try {
            ProcessBuilder pb = new ProcessBuilder(ctrCommand(args))
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(stdoutFile.toFile())
                    .redirectError(stdoutFile.resolveSibling(stdoutFile.getFileName() + ".stderr").toFile());
            Testkit.withSystemPath(pb.environment());
            Process p = pb.start();
            background.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ctr run --rm --runtime RUNTIME --env PATH=… --rootfs <busybox> ID COMMAND…}. */
    public CtrResult runBusybox(String runtime, String id, String... command) {
        return ctr(runArgs(List.of("--rm"), runtime, id, command));
    }

    /** {@code ctr run -d --runtime RUNTIME --env PATH=… --rootfs <busybox> ID COMMAND…} (no stdio). */
    public CtrResult runBusyboxDetached(String runtime, String id, String... command) {
        return ctr(runArgs(List.of("-d"), runtime, id, command));
    }

    private String[] runArgs(List<String> flags, String runtime, String id, String... command) {
        List<String> a = new ArrayList<>(List.of("run"));
        a.addAll(flags);
        a.addAll(List.of("--runtime", runtime, "--env", PATH_ENV, "--rootfs", busyboxRootfs().toString(), id));
        a.addAll(Arrays.asList(command));
        return a.toArray(String[]::new);
    }

    private String[] ctrCommand(String... args) {
        return fixture.ctrCommand(args).toArray(String[]::new);
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    /** True if containerd's recorded process is alive. */
    public boolean isRunning() {
        try {
            return kit.Procs.alive(pid());
        } catch (IllegalStateException noPidFile) {
            return false;
        }
    }

    /** SIGKILL containerd only: shims and containers keep running (for restart tests). Waits until it is dead. */
    public void kill9() {
        fixture.kill9();
    }

    /**
     * Starts containerd again on the same config and environment (stopping it with SIGTERM first if it runs) and
     * waits for it.
     */
    public void restart() {
        fixture.restart();
    }

    /**
     * Kills the background ctr processes, then stops containerd and removes everything it made (tasks, shims,
     * runc state, shim sockets, mounts, cgroups, the folder). Safe to call twice.
     *
     * @throws IllegalStateException if the script could not clean everything
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        for (Process p : background) {
            p.destroy();
            try {
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        background.clear();
        stopped = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: we are probably running in the hook
        }
        fixture.stop();   // an IllegalStateException with the script's output if it could not clean everything
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            System.err.println("stopping private containerd " + dir() + " failed: " + e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads a file written by a background ctr (e.g. events), as UTF-8. */
    public static String readFile(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return fixture.toString();
    }
}
