package dev.jrunc.shim.posix;

import java.nio.charset.StandardCharsets;

/**
 * A listening unix socket as a raw file descriptor.
 *
 * <p>The JDK can listen on unix sockets too, but it never reveals the fd number, which a listener needs when it is
 * to be handed to another process (as fd 3, as the Go shim's {@code start} hands it to its daemon; lab 02 does the
 * same), or to runc as a console socket. The shim's own {@code start} listens through the JDK: its JVM becomes the
 * daemon (docs/decisions/one-jvm-start.md).
 */
public final class UnixSocket {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int PATH_MAX = 108;   // sizeof(sockaddr_un.sun_path)

    private UnixSocket() {
    }

    /**
     * Binds and listens on {@code path}. Throws {@link PosixException} with errno EADDRINUSE when the path
     * already exists (a live shim, or a stale socket file: the caller decides).
     */
    public static int listen(String path, int backlog) throws PosixException {
        int fd = Posix.check(Posix.libc().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket", null);
        try {
            byte[] address = sockaddr(path);
            Posix.check(Posix.libc().bind(fd, address, address.length), "bind", path);
            Posix.check(Posix.libc().listen(fd, backlog), "listen", path);
            return fd;
        } catch (PosixException e) {
            Posix.close(fd);
            throw e;
        }
    }

    /** True if something accepts connections on {@code path} right now. */
    public static boolean answers(String path) {
        int fd = Posix.libc().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return false;
        }
        try {
            byte[] address = sockaddr(path);
            return Posix.libc().connect(fd, address, address.length) == 0;
        } catch (PosixException tooLong) {
            return false;
        } finally {
            Posix.close(fd);
        }
    }

    /** struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; } */
    private static byte[] sockaddr(String path) throws PosixException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= PATH_MAX) {
            throw new PosixException("sockaddr_un", path, 36 /* ENAMETOOLONG */);
        }
        byte[] address = new byte[2 + name.length + 1];
        address[0] = (byte) AF_UNIX;   // little-endian sa_family_t
        System.arraycopy(name, 0, address, 2, name.length);
        return address;
    }
}
