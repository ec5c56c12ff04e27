package lab05_stdio.solution;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import lab05_stdio.Lab05;

/** Lab 05 solution: the FIFO opened read-write; a copy loop that waits instead of failing and writes every byte it read. */
public final class CopyLoop implements Lab05.Exercise {

    @Override
    public int openFifo(String path) throws Exception {
        // Read-write: the shim is then a reader of its own FIFO, so writes never fail with EPIPE while the client is
        // away, and the output waits in the FIFO. On Linux such an open never blocks.
        return Posix.open(path, Posix.O_RDWR | Posix.O_CLOEXEC, 0);
    }

    @Override
    public void copy(Lab05.Fd from, Lab05.Fd to) throws Exception {
        byte[] buffer = new byte[32 * 1024];
        while (true) {
            int n;
            try {
                n = from.read(buffer);
            } catch (PosixException e) {
                if (e.errno() != Posix.EAGAIN) {
                    throw e;
                }
                from.awaitReadable();          // nothing yet: not the end
                continue;
            }
            if (n == 0) {
                return;                        // end of file: every writer has closed its end
            }
            int written = 0;
            while (written < n) {
                try {
                    written += to.write(buffer, written, n - written);   // a short write: go on with the rest
                } catch (PosixException e) {
                    if (e.errno() != Posix.EAGAIN) {
                        throw e;
                    }
                    to.awaitWritable();        // the FIFO is full: wait for the client to read
                }
            }
        }
    }
}
