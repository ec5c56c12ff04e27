package dev.jrunc.shim.posix;

import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * The C library calls a shim needs that jnr-posix does not offer (or offers without the knobs we need).
 *
 * <p>jnr-ffi generates the binding at run time from this interface; errno is saved after every call and read
 * with {@link Posix#errno()}. Keep the signatures exactly as glibc declares them (x86-64 / aarch64 Linux).
 */
public interface LibC {

    // --- process control -----------------------------------------------------------------------------------------

    /** prctl(2). PR_SET_CHILD_SUBREAPER = 36 makes orphaned descendants our children instead of pid 1's. */
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    /** Returns the error number (not -1/errno), like every posix_spawn function. */
    int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attributes,
                    String[] argv, String[] envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int flags, int mode);

    /** glibc 2.34+: close every fd from {@code lowFd} up in the child, so no jar or socket of ours leaks into it. */
    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int lowFd);

    /** glibc 2.29+: chdir in the child before exec. */
    int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String path);

    int posix_spawnattr_init(Pointer attributes);

    int posix_spawnattr_destroy(Pointer attributes);

    int posix_spawnattr_setflags(Pointer attributes, short flags);

    int posix_spawnattr_setsigmask(Pointer attributes, Pointer sigset);

    int posix_spawnattr_setsigdefault(Pointer attributes, Pointer sigset);

    int sigemptyset(Pointer sigset);

    int sigfillset(Pointer sigset);

    int waitpid(int pid, int[] status, int options);

    int kill(int pid, int signal);

    int getpid();

    int getppid();

    int setsid();

    // --- file descriptors ----------------------------------------------------------------------------------------

    int open(String path, int flags, int mode);

    int close(int fd);

    int isatty(int fd);

    long read(int fd, byte[] buffer, long count);

    long write(int fd, byte[] buffer, long count);

    long pread(int fd, byte[] buffer, long count, long offset);

    /** The same read/write on native memory: the stdio pumps copy through one direct buffer, no Java arrays. */
    long read(int fd, Pointer buffer, long count);

    long write(int fd, Pointer buffer, long count);

    /** poll(2) on an array of struct pollfd { int fd; short events; short revents; }. */
    int poll(Pointer fds, long count, int timeoutMillis);

    int pipe2(int[] fds, int flags);

    int dup2(int oldFd, int newFd);

    int fcntl(int fd, int command, int argument);

    int fchown(int fd, int uid, int gid);

    int memfd_create(String name, int flags);

    int mkfifo(String path, int mode);

    int chmod(String path, int mode);

    int unlink(String path);

    // --- unix sockets (for `start`, which must hand a listening socket to the daemon as a plain fd) ---------------

    int socket(int domain, int type, int protocol);

    int bind(int fd, byte[] address, int addressLength);

    int listen(int fd, int backlog);

    int connect(int fd, byte[] address, int addressLength);

    int shutdown(int fd, int how);

    /** accept4(2) without the peer's address. */
    int accept4(int fd, Pointer address, Pointer addressLength, int flags);

    /** recvmsg(2): how a file descriptor (runc's pty master) arrives over a unix socket, as SCM_RIGHTS. */
    long recvmsg(int fd, Pointer message, int flags);

    /** ioctl(2) with a pointer argument, e.g. TIOCSWINSZ to resize a terminal. */
    int ioctl(int fd, long request, Pointer argument);

    // --- mounts --------------------------------------------------------------------------------------------------

    int mount(String source, String target, String filesystemType, long flags, String data);

    int umount2(String target, int flags);

    // --- cgroups: OOM notifications, and which file system a path is on ------------------------------------------

    /** eventfd(2): a kernel counter behind an fd. cgroup v1 adds 1 to it on each OOM of a memory cgroup. */
    int eventfd(int initialValue, int flags);

    /** inotify_init1(2). cgroup v2 has no OOM fd; it rewrites memory.events, and inotify reports that. */
    int inotify_init1(int flags);

    int inotify_add_watch(int fd, String path, int mask);

    /** statfs(2) into a struct statfs; callers read only f_type, its first field (a long on x86-64 and aarch64). */
    int statfs(String path, Pointer buffer);
}
