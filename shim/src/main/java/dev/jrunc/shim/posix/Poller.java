package dev.jrunc.shim.posix;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** poll(2) on a single fd, and a native buffer to read and write non-blocking fds through. */
public final class Poller {
    private static final short POLLIN = 0x001;
    private static final short POLLOUT = 0x004;

    private Poller() {
    }

    /** True when {@code fd} has data, end of file or an error to report; false on timeout. */
    public static boolean waitReadable(int fd, int timeoutMillis) throws PosixException {
        return poll(fd, POLLIN, timeoutMillis);
    }

    public static boolean waitWritable(int fd, int timeoutMillis) throws PosixException {
        return poll(fd, POLLOUT, timeoutMillis);
    }

    private static boolean poll(int fd, short events, int timeoutMillis) throws PosixException {
        Pointer pollfd = Memory.allocateDirect(Posix.runtime(), 8);
        pollfd.putInt(0, fd);
        pollfd.putShort(4, events);
        pollfd.putShort(6, (short) 0);
        int n = Posix.libc().poll(pollfd, 1, timeoutMillis);
        // The kernel writes revents into pollfd when poll returns, up to 250 ms from now. Nothing here reads it
        // afterwards, so without the fence the collector may free it meanwhile: poll then failed with EFAULT,
        // the pump stopped, and a container's output was lost (once in ~20 runs in a busy shared shim).
        java.lang.ref.Reference.reachabilityFence(pollfd);
        if (n == -1) {
            if (Posix.errno() == Posix.EINTR) {
                return false;
            }
            throw new PosixException("poll", "fd " + fd, Posix.errno());
        }
        return n > 0;
    }

    public static Buffer buffer(int size) {
        return new Buffer(Memory.allocateDirect(Posix.runtime(), size), size);
    }

    /** Native memory for read(2)/write(2) on non-blocking fds. */
    public static final class Buffer implements AutoCloseable {
        private final Pointer memory;
        private final int size;

        private Buffer(Pointer memory, int size) {
            this.memory = memory;
            this.size = size;
        }

        /** Bytes read; 0 at end of file; -1 when nothing is there yet (EAGAIN). */
        public int readFrom(int fd) throws PosixException {
            long n = Posix.libc().read(fd, memory, size);
            if (n == -1) {
                int errno = Posix.errno();
                if (errno == Posix.EAGAIN || errno == Posix.EINTR) {
                    return -1;
                }
                throw new PosixException("read", "fd " + fd, errno);
            }
            return (int) n;
        }

        /** Bytes written; 0 when the fd cannot take more right now (EAGAIN). */
        public int writeTo(int fd, int offset, int count) throws PosixException {
            long n = Posix.libc().write(fd, memory.slice(offset), count);
            if (n == -1) {
                int errno = Posix.errno();
                if (errno == Posix.EAGAIN || errno == Posix.EINTR) {
                    return 0;
                }
                throw new PosixException("write", "fd " + fd, errno);
            }
            return (int) n;
        }

        @Override
        public void close() {
            // Direct memory from jnr is freed by the garbage collector; nothing to do eagerly.
        }
    }
}
