package dev.jrunc.shim.posix;

import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The system calls the shim makes, as plain static methods that throw {@link PosixException} instead of
 * returning -1.
 *
 * <p>Two bindings sit underneath. {@link LibC} is our own jnr-ffi interface with only the calls the per-container
 * critical path needs ({@code start}, {@code delete}, spawning runc, reaping): loading it costs ~170 ms of JVM
 * time, while jnr-posix's complete facade costs ~110 ms more (measured on the reference machine), and jnr-posix's
 * spawn lacks the closefrom and signal-default knobs a shim needs. jnr-posix itself serves the calls that are off
 * that path, loaded on first use.
 */
public final class Posix {
    // open(2) flags and other constants, Linux x86-64 / aarch64 values.
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int WNOHANG = 1;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    private static final long FIONREAD = 0x541B;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINVAL = 22;
    public static final int EPIPE = 32;
    public static final int EADDRINUSE = 98;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int PR_GET_CHILD_SUBREAPER = 37;

    private Posix() {
    }

    private static final class Bindings {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    private static final class JnrPosix {
        static final POSIX POSIX = POSIXFactory.getNativePOSIX();
    }

    /** Our own binding (see the class comment), for the few places that drive it directly, like {@link Spawn}. */
    static LibC libc() {
        return Bindings.LIBC;
    }

    static Runtime runtime() {
        return Bindings.RUNTIME;
    }

    public static int errno() {
        return Bindings.RUNTIME.getLastError();
    }

    public static String strerror(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.description() + " (" + e.name() + ")";
    }

    static int check(int result, String call, String subject) throws PosixException {
        if (result == -1) {
            throw new PosixException(call, subject, errno());
        }
        return result;
    }

    // --- process control ----------------------------------------------------------------------------------------

    public static int getpid() {
        return libc().getpid();
    }

    public static int getppid() {
        return libc().getppid();
    }

    /**
     * setsid(2): a session and process group of our own, away from containerd's (its signals, its terminal). Fails
     * for a process group leader; a process a shell started in the background is none.
     */
    public static void setsid() throws PosixException {
        check(libc().setsid(), "setsid", "");
    }

    /**
     * Makes this process a child subreaper: when a descendant's parent dies, the orphan becomes our child (not
     * pid 1's), so we can wait for it. This is how a container's init becomes the shim's child after runc exits.
     */
    public static void setChildSubreaper() throws PosixException {
        check(libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl", "PR_SET_CHILD_SUBREAPER");
    }

    public static boolean isChildSubreaper() throws PosixException {
        jnr.ffi.Pointer out = jnr.ffi.Memory.allocateDirect(runtime(), 4);
        check(libc().prctl(PR_GET_CHILD_SUBREAPER, out.address(), 0, 0, 0), "prctl", "PR_GET_CHILD_SUBREAPER");
        return out.getInt(0) != 0;
    }

    /**
     * waitpid(2); returns the pid and stores the raw wait status in {@code status[0]}, or returns 0 (WNOHANG and
     * nothing exited). Retries on EINTR.
     */
    public static int waitpid(int pid, int[] status, int options) throws PosixException {
        while (true) {
            int r = libc().waitpid(pid, status, options);
            if (r == -1 && errno() == EINTR) {
                continue;
            }
            return check(r, "waitpid", String.valueOf(pid));
        }
    }

    /** kill(2), through jnr-posix. Returns false when the process does not exist (ESRCH). */
    public static boolean kill(int pid, int signal) throws PosixException {
        POSIX posix = JnrPosix.POSIX;
        if (posix.kill(pid, signal) == 0) {
            return true;
        }
        int errno = posix.errno();
        if (errno == ESRCH) {
            return false;
        }
        throw new PosixException("kill", pid + " " + signal, errno);
    }

    // --- file descriptors ---------------------------------------------------------------------------------------

    public static int open(String path, int flags, int mode) throws PosixException {
        while (true) {
            int fd = libc().open(path, flags, mode);
            if (fd == -1 && errno() == EINTR) {
                continue;
            }
            return check(fd, "open", path);
        }
    }

    public static void close(int fd) {
        if (fd >= 0) {
            libc().close(fd);
        }
    }

    public static boolean isTerminal(int fd) {
        return libc().isatty(fd) == 1;
    }

    /** read(2) into the start of {@code buffer}; 0 means end of file. Retries on EINTR. */
    public static int read(int fd, byte[] buffer, int count) throws PosixException {
        while (true) {
            long n = libc().read(fd, buffer, count);
            if (n == -1 && errno() == EINTR) {
                continue;
            }
            return check((int) n, "read", "fd " + fd);
        }
    }

    /** Writes all {@code count} bytes from the start of {@code buffer}, looping over short writes. */
    public static void writeFully(int fd, byte[] buffer, int count) throws PosixException {
        byte[] rest = buffer;
        int left = count;
        while (left > 0) {
            long n = libc().write(fd, rest, left);
            if (n == -1) {
                if (errno() == EINTR) {
                    continue;
                }
                throw new PosixException("write", "fd " + fd, errno());
            }
            left -= (int) n;
            if (left > 0) {
                rest = java.util.Arrays.copyOfRange(rest, (int) n, (int) n + left);
            }
        }
    }

    /** pread(2): reads at an offset without moving the file position (used to read a memfd back). */
    public static int pread(int fd, byte[] buffer, int count, long offset) throws PosixException {
        return check((int) libc().pread(fd, buffer, count, offset), "pread", "fd " + fd);
    }

    /** FIONREAD: the bytes waiting to be read in a pipe or FIFO (for a FIFO: written by anyone, read by nobody yet). */
    public static int unreadBytes(int fd) throws PosixException {
        jnr.ffi.Pointer count = jnr.ffi.Memory.allocateDirect(runtime(), 4);
        check(libc().ioctl(fd, FIONREAD, count), "ioctl", "FIONREAD fd " + fd);
        return count.getInt(0);
    }

    /** A pipe whose two ends are close-on-exec: only the fds we hand to a child explicitly reach it. */
    public static int[] pipe() throws PosixException {
        int[] fds = new int[2];
        check(libc().pipe2(fds, O_CLOEXEC), "pipe2", null);
        return fds;
    }

    public static void dup2(int oldFd, int newFd) throws PosixException {
        check(libc().dup2(oldFd, newFd), "dup2", oldFd + " -> " + newFd);
    }

    public static void setBlocking(int fd, boolean blocking) throws PosixException {
        int flags = check(libc().fcntl(fd, F_GETFL, 0), "fcntl", "F_GETFL");
        int wanted = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
        check(libc().fcntl(fd, F_SETFL, wanted), "fcntl", "F_SETFL");
    }

    public static void fchown(int fd, int uid, int gid) throws PosixException {
        check(libc().fchown(fd, uid, gid), "fchown", "fd " + fd);
    }

    /** An anonymous in-memory file: where runc's own output goes, read back after it exits. */
    public static int memfd(String name) throws PosixException {
        return check(libc().memfd_create(name, 1 /* MFD_CLOEXEC */), "memfd_create", name);
    }

    /** Everything written to a memfd so far. */
    public static byte[] readAll(int memfd) throws PosixException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        long offset = 0;
        int n;
        while ((n = pread(memfd, buffer, buffer.length, offset)) > 0) {
            out.write(buffer, 0, n);
            offset += n;
        }
        return out.toByteArray();
    }

    public static void mkfifo(String path, int mode) throws PosixException {
        if (JnrPosix.POSIX.mkfifo(path, mode) != 0) {
            throw new PosixException("mkfifo", path, JnrPosix.POSIX.errno());
        }
    }

    public static void chmod(String path, int mode) throws PosixException {
        check(libc().chmod(path, mode), "chmod", path);
    }

    // --- mounts -------------------------------------------------------------------------------------------------

    public static void mount(String source, String target, String type, long flags, String data) throws PosixException {
        check(libc().mount(source, target, type, flags, data), "mount", source + " on " + target);
    }

    /** umount2(2); returns false if nothing is mounted there (EINVAL) or the path is gone (ENOENT). */
    public static boolean umount(String target, int flags) throws PosixException {
        if (libc().umount2(target, flags) == 0) {
            return true;
        }
        int errno = errno();
        if (errno == EINVAL || errno == ENOENT) {
            return false;
        }
        throw new PosixException("umount2", target, errno);
    }

    // --- cgroups: eventfd, inotify, poll on many fds, statfs -----------------------------------------------------

    /** eventfd(2) and inotify_init1(2) flags share open(2)'s values. */
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int IN_CLOEXEC = O_CLOEXEC;
    /** inotify event: the file was written to (cgroup v2's memory.events and cgroup.events are "written" by the kernel). */
    public static final int IN_MODIFY = 0x2;

    private static final short POLLIN = 0x001;

    /** A new eventfd whose counter starts at 0. */
    public static int eventfd(int flags) throws PosixException {
        return check(libc().eventfd(0, flags), "eventfd", null);
    }

    /** Adds 1 to an eventfd's counter, waking whoever polls it. */
    public static void signalEventfd(int fd) throws PosixException {
        byte[] one = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putLong(1).array();
        writeFully(fd, one, one.length);
    }

    /** Reads an eventfd's counter (a native-endian 8-byte integer), which resets it to 0. */
    public static long readEventfd(int fd) throws PosixException {
        byte[] counter = new byte[8];
        int n = read(fd, counter, counter.length);
        if (n != counter.length) {
            throw new PosixException("read", "eventfd " + fd + " gave " + n + " bytes", EINVAL);
        }
        return java.nio.ByteBuffer.wrap(counter).order(java.nio.ByteOrder.nativeOrder()).getLong();
    }

    public static int inotifyInit(int flags) throws PosixException {
        return check(libc().inotify_init1(flags), "inotify_init1", null);
    }

    /** Returns the watch descriptor. */
    public static int inotifyAddWatch(int fd, String path, int mask) throws PosixException {
        return check(libc().inotify_add_watch(fd, path, mask), "inotify_add_watch", path);
    }

    /**
     * poll(2) for input on several fds at once; {@code timeoutMillis} -1 waits for ever. Returns, per fd, whether
     * it is ready: readable, or at end of file, in error or hung up (a read will then tell which). An interrupted
     * poll (EINTR) returns all false.
     */
    public static boolean[] pollReadable(int[] fds, int timeoutMillis) throws PosixException {
        jnr.ffi.Pointer pollfds = jnr.ffi.Memory.allocateDirect(runtime(), 8 * Math.max(1, fds.length));
        for (int i = 0; i < fds.length; i++) {
            pollfds.putInt(8L * i, fds[i]);        // struct pollfd { int fd; short events; short revents; }
            pollfds.putShort(8L * i + 4, POLLIN);
            pollfds.putShort(8L * i + 6, (short) 0);
        }
        boolean[] ready = new boolean[fds.length];
        int n = libc().poll(pollfds, fds.length, timeoutMillis);
        if (n == -1) {
            if (errno() == EINTR) {
                return ready;
            }
            throw new PosixException("poll", fds.length + " fds", errno());
        }
        for (int i = 0; i < fds.length; i++) {
            ready[i] = pollfds.getShort(8L * i + 6) != 0;
        }
        return ready;
    }

    /** The f_type statfs(2) reports for the file system holding {@code path}, e.g. 0x63677270 for cgroup2. */
    public static long filesystemType(String path) throws PosixException {
        jnr.ffi.Pointer buffer = jnr.ffi.Memory.allocateDirect(runtime(), 256); // struct statfs is 120 bytes
        check(libc().statfs(path, buffer), "statfs", path);
        return buffer.getLong(0);
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    /** Closes quietly; for cleanup paths where the first error already tells the story. */
    public static void closeQuietly(int... fds) {
        for (int fd : fds) {
            close(fd);
        }
    }
}
