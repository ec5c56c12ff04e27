package dev.jrunc.shim.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The socket runc hands a container's terminal to ({@code runc create --console-socket PATH}).
 *
 * <p>With {@code terminal: true}, runc opens a pseudo-terminal for the container, connects to this socket, and
 * sends the pty's master side as an fd in an SCM_RIGHTS control message — the only way to pass an open file
 * between processes. The JDK has no API for that, so this is plain C through jnr-ffi: accept, recvmsg, and
 * read the fd number out of the control message.
 */
public final class ConsoleSocket implements AutoCloseable {
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    // struct msghdr and struct cmsghdr on 64-bit Linux
    private static final int MSGHDR_SIZE = 56;
    private static final int CMSG_HEADER = 16;
    private static final int CMSG_SPACE_ONE_FD = 24;

    private final Path directory;
    private final Path path;
    private final int listener;
    private boolean closed;

    private ConsoleSocket(Path directory, Path path, int listener) {
        this.directory = directory;
        this.path = path;
        this.listener = listener;
    }

    /** A listening socket in a fresh private temporary directory, as the Go shim makes one. */
    public static ConsoleSocket create() throws IOException {
        Path directory = Files.createTempDirectory(Path.of(System.getenv().getOrDefault("XDG_RUNTIME_DIR", "/tmp")), "pty",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path path = directory.resolve("pty.sock");
        return new ConsoleSocket(directory, path, UnixSocket.listen(path.toString(), 1));
    }

    public Path path() {
        return path;
    }

    /**
     * Waits for runc to connect and send the terminal's master fd; returns it (close-on-exec, owned by the
     * caller). Blocks: call it on its own thread while runc runs.
     */
    public int receiveMaster() throws IOException {
        int connection = Posix.check(Posix.libc().accept4(listener, null, null, SOCK_CLOEXEC), "accept4", path.toString());
        try {
            jnr.ffi.Runtime runtime = Posix.runtime();
            Pointer name = Memory.allocateDirect(runtime, 4096);        // runc sends the pty's name as the payload
            Pointer iovec = Memory.allocateDirect(runtime, 16);
            iovec.putAddress(0, name.address());
            iovec.putLong(8, 4096);
            Pointer control = Memory.allocateDirect(runtime, CMSG_SPACE_ONE_FD);
            Pointer message = Memory.allocateDirect(runtime, MSGHDR_SIZE);
            message.putAddress(16, iovec.address());   // msg_iov
            message.putLong(24, 1);                    // msg_iovlen
            message.putAddress(32, control.address()); // msg_control
            message.putLong(40, CMSG_SPACE_ONE_FD);    // msg_controllen
            long received = Posix.libc().recvmsg(connection, message, MSG_CMSG_CLOEXEC);
            // The message points at name and iovec by raw address only, and recvmsg blocks until runc connects:
            // keep them (and the message) from being freed by the collector while the kernel writes into them.
            java.lang.ref.Reference.reachabilityFence(name);
            java.lang.ref.Reference.reachabilityFence(iovec);
            if (received < 0) {
                throw new PosixException("recvmsg", path.toString(), Posix.errno());
            }
            if (message.getLong(40) < CMSG_HEADER + 4 || control.getInt(8) != SOL_SOCKET || control.getInt(12) != SCM_RIGHTS) {
                throw new IOException("runc sent no terminal fd over " + path);
            }
            return control.getInt(CMSG_HEADER);
        } finally {
            Posix.close(connection);
        }
    }

    /** Also wakes a thread blocked in {@link #receiveMaster()} (a plain close would leave it blocked). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Posix.libc().shutdown(listener, 2 /* SHUT_RDWR */);
        Posix.close(listener);
        try {
            Files.deleteIfExists(path);
            Files.deleteIfExists(directory);
        } catch (IOException ignored) {
            // a temporary directory; nothing else depends on it
        }
    }
}
