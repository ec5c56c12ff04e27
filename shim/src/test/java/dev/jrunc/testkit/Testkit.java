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
import java.util.concurrent.TimeUnit;

/**
 * Where the fixture scripts are, how to run a command and capture its output, and what the machine must have.
 *
 * <p>Locations can be overridden with system properties (the failsafe configuration sets {@code jrunc.launcher}):
 * <ul>
 *   <li>{@code jrunc.launcher}: the shim launcher {@code .../shim/target/containerd-shim-jrunc-v2}; its folder goes
 *       first on containerd's PATH (JRUNC_SHIM_DIR), so that runtime {@code io.containerd.jrunc.v2} resolves;</li>
 *   <li>{@code jrunc.scripts}: the folder holding {@code private-containerd.sh} (default {@code shim/scripts});</li>
 *   <li>{@code jrunc.busyboxRootfs}: where the shared busybox rootfs is built (default {@code shim/target/busybox-rootfs});</li>
 *   <li>{@code jrunc.fixtureRoot}: the parent of the fixtures' folders (default: the environment's JRUNC_FIXTURE_ROOT,
 *       else {@code /run/jrunc}; keep it short, unix socket paths must stay below 108 bytes).</li>
 * </ul>
 * The environment variable {@code JRUNC_CONTAINERD_BIN} (set by {@code verify.sh test --containerd LINE}) names a
 * folder with another line's containerd, ctr and Go shim: the fixtures then run those instead of the system's.
 */
public final class Testkit {

    /** A PATH for processes of the system (containerd's, and the scripts'), also when Maven's PATH is thin. */
    static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static Path busyboxRootfs;

    private Testkit() {
    }

    /**
     * A containerd tool ({@code containerd}, {@code ctr}, {@code containerd-shim-runc-v2}): from JRUNC_CONTAINERD_BIN
     * when that is set (the containerd line under test), else the name alone, found on PATH.
     */
    public static String containerdTool(String name) {
        return kit.PrivateContainerd.containerdTool(name);
    }

    /** The containerd line under test, e.g. {@code 1.6.20~ds1} or {@code 2.1.9+unknown}: what its {@code --version} says. */
    public static String containerdVersion() {
        CtrResult r = run(Duration.ofSeconds(30), Map.of(), containerdTool("containerd"), "--version");
        String[] words = r.stdout().trim().split("\\s+");
        if (!r.ok() || words.length < 3) {
            throw new IllegalStateException("cannot tell containerd's version: " + r);
        }
        return words[2].startsWith("v") ? words[2].substring(1) : words[2];
    }

    /** Whether the containerd line under test is {@code major.minor} or newer. */
    public static boolean containerdAtLeast(int major, int minor) {
        String[] parts = containerdVersion().split("[^0-9]+");
        int ma = Integer.parseInt(parts[0]);
        int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        return ma > major || ma == major && mi >= minor;
    }

    /** The major version of the containerd line under test (1 or 2). */
    public static int containerdMajor() {
        return Integer.parseInt(containerdVersion().replaceFirst("[^0-9].*$", ""));
    }

    /** The shim project folder ({@code <repo>/shim}). */
    public static Path shimProject() {
        String launcher = System.getProperty("jrunc.launcher");
        if (launcher != null && !launcher.isBlank()) {
            return Path.of(launcher).toAbsolutePath().getParent().getParent();
        }
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        if (Files.isDirectory(cwd.resolve("scripts")) && Files.exists(cwd.resolve("pom.xml"))) {
            return cwd;
        }
        return cwd.resolve("shim");
    }

    /** The folder whose {@code containerd-shim-jrunc-v2} containerd will run (passed as JRUNC_SHIM_DIR). */
    public static Path shimDir() {
        String launcher = System.getProperty("jrunc.launcher");
        if (launcher != null && !launcher.isBlank()) {
            return Path.of(launcher).toAbsolutePath().getParent();
        }
        return shimProject().resolve("target");
    }

    public static Path scriptsDir() {
        String p = System.getProperty("jrunc.scripts");
        return p != null && !p.isBlank() ? Path.of(p).toAbsolutePath() : shimProject().resolve("scripts");
    }

    /** {@code shim/scripts/private-containerd.sh}. */
    public static Path privateContainerdScript() {
        return scriptsDir().resolve("private-containerd.sh");
    }

    /** {@code shim/scripts/busybox-rootfs.sh}. */
    public static Path busyboxRootfsScript() {
        return scriptsDir().resolve("busybox-rootfs.sh");
    }

    /** Parent folder of the fixtures' folders, {@code /run/jrunc} by default. */
    public static Path fixtureRoot() {
        String fromEnvironment = System.getenv("JRUNC_FIXTURE_ROOT");   // what verify.sh cleans up after, too
        String fallback = fromEnvironment == null || fromEnvironment.isBlank() ? "/run/jrunc" : fromEnvironment;
        return Path.of(System.getProperty("jrunc.fixtureRoot", fallback));
    }

    /**
     * The shared busybox rootfs (for {@code ctr run --rootfs}), built by {@code busybox-rootfs.sh} the first time it
     * is asked for in this JVM (and only if missing or outdated on disk). Containers share it; do not change it.
     */
    public static synchronized Path busyboxRootfs() {
        if (busyboxRootfs == null) {
            String p = System.getProperty("jrunc.busyboxRootfs");
            Path dest = p != null && !p.isBlank() ? Path.of(p) : shimProject().resolve("target/busybox-rootfs");
            CtrResult r = run(Duration.ofSeconds(120), Map.of(), "bash", busyboxRootfsScript().toString(), dest.toString());
            if (!r.ok()) {
                throw new IllegalStateException("could not build the busybox rootfs: " + r);
            }
            busyboxRootfs = Path.of(r.stdout().strip());
        }
        return busyboxRootfs;
    }

    /**
     * Runs a command, stdin from /dev/null, waits at most {@code timeout}. stdout and stderr go through temporary
     * files, not pipes, so that a grandchild that keeps them open (a daemon) cannot make us wait forever.
     *
     * @throws AssertionError if it does not finish in time (it is killed, and the message shows its output so far)
     */
    public static CtrResult run(Duration timeout, Map<String, String> env, String... command) {
        return run(timeout, env, null, command);
    }

    /** Like {@link #run(Duration, Map, String...)}, with {@code stdin} fed to the process (then EOF). */
    public static CtrResult run(Duration timeout, Map<String, String> env, byte[] stdin, String... command) {
        List<String> cmd = Arrays.asList(command);
        Path out = null;
        Path err = null;
        Path in = null;
        try {
            out = Files.createTempFile("jrunc-out", ".txt");
            err = Files.createTempFile("jrunc-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin != null) {
                in = Files.createTempFile("jrunc-in", ".bin");
                Files.write(in, stdin);
                pb.redirectInput(in.toFile());
            } else {
                pb.redirectInput(new File("/dev/null"));
            }
            withSystemPath(pb.environment()).putAll(env);
            Process p = pb.start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s (killed): "
                        + new CtrResult(-1, read(out), read(err), cmd));
            }
            return new CtrResult(p.exitValue(), read(out), read(err), cmd);
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
            deleteQuietly(in);
        }
    }

    /** Appends the system folders to PATH (Maven may run us with a PATH that lacks /usr/sbin, where runc lives). */
    static Map<String, String> withSystemPath(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        env.put("PATH", path.isEmpty() ? SYSTEM_PATH : path + ":" + SYSTEM_PATH);
        return env;
    }

    /**
     * Checks that this machine can run a private containerd: root, and containerd, ctr, runc and a static busybox.
     *
     * @throws IllegalStateException saying what is missing and how to install it (tests must fail, not skip)
     */
    public static void checkPrerequisites() {
        List<String> problems = new ArrayList<>();
        if (uid() != 0) {
            problems.add("not running as root (uid " + uid() + "): containerd, runc and the shim need root");
        }
        List<String> missing = new ArrayList<>();
        for (String tool : List.of(containerdTool("containerd"), containerdTool("ctr"), "runc")) {
            if (tool.startsWith("/") ? !Files.isExecutable(Path.of(tool)) : findOnPath(tool) == null) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            problems.add("missing " + String.join(", ", missing) + " on PATH");
        }
        if (!Files.isExecutable(Path.of("/bin/busybox"))) {
            problems.add("missing /bin/busybox (package busybox-static)");
        }
        if (!Files.isRegularFile(privateContainerdScript())) {
            problems.add("fixture script not found: " + privateContainerdScript());
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("cannot start a private containerd for this test: "
                    + String.join("; ", problems)
                    + ". Run the tests as root after `apt-get install -y containerd runc busybox-static`"
                    + " (./verify.sh test installs them).");
        }
    }

    /** The real uid of this JVM, from /proc/self/status. */
    static int uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return -1;
    }

    static Path findOnPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":" + SYSTEM_PATH;
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return Path.of(dir, tool);
            }
        }
        return null;
    }

    /** Pids of live processes whose command line contains {@code text} (in any argument; see kit.Procs). */
    public static List<Long> pidsWithCmdlineContaining(String text) {
        return kit.Procs.withCommandLineContaining(text).stream().map(Integer::longValue).toList();
    }

    /** Lowercase hex SHA-256 of {@code s}: how containerd 1.6 names shim sockets in /run/containerd/s. */
    public static String sha256Hex(String s) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (byte b : h) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String read(Path p) {
        try {
            return p == null || !Files.exists(p) ? "" : new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read " + p + ": " + e + ")";
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a temp file; not worth failing a test for
            }
        }
    }
}
