package dev.jrunc.shim.posix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Starts a program with posix_spawn(3) — never with ProcessBuilder.
 *
 * <p>Why not ProcessBuilder: the shim reaps every child with one {@code waitpid(-1)} loop, and the JDK's own
 * per-process reaper would then see wrong exit codes; ProcessBuilder also cannot pass a socket as fd 3, start a
 * new session, or close the JVM's own open jars in the child. Here the child gets exactly the fds we map (0, 1, 2
 * and any extras), default signal handling, an empty signal mask, and optionally a session of its own.
 */
public final class Spawn {
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    private static final int FILE_ACTIONS_SIZE = 80;   // sizeof(posix_spawn_file_actions_t), glibc x86-64
    private static final int ATTRIBUTES_SIZE = 336;    // sizeof(posix_spawnattr_t)
    private static final int SIGSET_SIZE = 128;        // sizeof(sigset_t)

    private final String path;
    private final List<String> argv = new ArrayList<>();
    private final Map<Integer, Integer> fds = new LinkedHashMap<>();   // child fd -> our fd, or -1 for /dev/null
    private Map<String, String> env = System.getenv();
    private Path cwd;
    private boolean newSession;

    private Spawn(String path, List<String> argv) {
        this.path = path;
        this.argv.addAll(argv);
    }

    /** {@code argv[0]} is what the child sees as its name; {@code path} is the file executed (no PATH search). */
    public static Spawn of(String path, List<String> argv) {
        return new Spawn(path, argv);
    }

    /** Child fd {@code childFd} becomes a copy of our {@code fd}; -1 means /dev/null. Unmapped 0–2 get /dev/null. */
    public Spawn fd(int childFd, int fd) {
        fds.put(childFd, fd);
        return this;
    }

    public Spawn stdio(int stdin, int stdout, int stderr) {
        return fd(0, stdin).fd(1, stdout).fd(2, stderr);
    }

    public Spawn env(Map<String, String> env) {
        this.env = env;
        return this;
    }

    public Spawn cwd(Path cwd) {
        this.cwd = cwd;
        return this;
    }

    /** setsid() in the child: its own session and process group, no controlling terminal. */
    public Spawn newSession() {
        this.newSession = true;
        return this;
    }

    /** Starts the child and returns its pid. The child is ours to wait for. */
    public int start() throws PosixException {
        LibC libc = Posix.libc();
        jnr.ffi.Runtime runtime = Posix.runtime();
        Pointer actions = Memory.allocateDirect(runtime, FILE_ACTIONS_SIZE);
        Pointer attributes = Memory.allocateDirect(runtime, ATTRIBUTES_SIZE);
        checkSpawn(libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        checkSpawn(libc.posix_spawnattr_init(attributes), "posix_spawnattr_init");
        try {
            for (int child = 0; child <= 2; child++) {
                fds.putIfAbsent(child, -1);
            }
            // Our fds are close-on-exec or unrelated; a dup2 onto a child number clears close-on-exec on the copy.
            // An fd can only be dup'd onto itself after being moved away, so go through high temporaries first
            // whenever a source number collides with a target number.
            int highest = fds.keySet().stream().mapToInt(Integer::intValue).max().orElse(2);
            int scratch = Math.max(highest + 1, 100);
            Map<Integer, Integer> sources = new LinkedHashMap<>();
            for (Map.Entry<Integer, Integer> e : fds.entrySet()) {
                int source = e.getValue();
                if (source >= 0 && fds.containsKey(source)) {
                    checkSpawn(libc.posix_spawn_file_actions_adddup2(actions, source, scratch), "adddup2");
                    source = scratch++;
                }
                sources.put(e.getKey(), source);
            }
            for (Map.Entry<Integer, Integer> e : sources.entrySet()) {
                if (e.getValue() < 0) {
                    checkSpawn(libc.posix_spawn_file_actions_addopen(actions, e.getKey(), "/dev/null", Posix.O_RDWR, 0),
                            "addopen /dev/null");
                } else {
                    checkSpawn(libc.posix_spawn_file_actions_adddup2(actions, e.getValue(), e.getKey()), "adddup2");
                }
            }
            checkSpawn(libc.posix_spawn_file_actions_addclosefrom_np(actions, highest + 1), "addclosefrom_np");
            if (cwd != null) {
                checkSpawn(libc.posix_spawn_file_actions_addchdir_np(actions, cwd.toString()), "addchdir_np");
            }

            Pointer emptyMask = Memory.allocateDirect(runtime, SIGSET_SIZE);
            libc.sigemptyset(emptyMask);
            Pointer allSignals = Memory.allocateDirect(runtime, SIGSET_SIZE);
            libc.sigfillset(allSignals);
            // sigfillset leaves out glibc's internal signals 32 and 33, which posix_spawn would then leave ignored
            // in the child — and in everything it execs, all the way into the container. Add them by hand.
            allSignals.putByte(3, (byte) (allSignals.getByte(3) | 0x80));
            allSignals.putByte(4, (byte) (allSignals.getByte(4) | 0x01));
            checkSpawn(libc.posix_spawnattr_setsigmask(attributes, emptyMask), "setsigmask");
            checkSpawn(libc.posix_spawnattr_setsigdefault(attributes, allSignals), "setsigdefault");
            short flags = (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (newSession ? POSIX_SPAWN_SETSID : 0));
            checkSpawn(libc.posix_spawnattr_setflags(attributes, flags), "setflags");

            IntByReference pid = new IntByReference();
            String[] environment = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
            int error = libc.posix_spawn(pid, path, actions, attributes, argv.toArray(String[]::new), environment);
            if (error != 0) {
                throw new PosixException("posix_spawn", path, error);
            }
            return pid.getValue();
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
            libc.posix_spawnattr_destroy(attributes);
        }
    }

    private void checkSpawn(int error, String what) throws PosixException {
        if (error != 0) {
            throw new PosixException("posix_spawn " + what, path, error);
        }
    }

    @Override
    public String toString() {
        return String.join(" ", argv);
    }
}
