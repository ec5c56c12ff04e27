package lab05_stdio.exercise;

import dev.jrunc.shim.posix.Posix;
import lab05_stdio.Lab05;

/**
 * Lab 05 exercise: the container's stdout, from its pipe into the client's FIFO, without losing a byte. The shim's
 * own: shim/src/main/java/dev/jrunc/shim/stdio (PipeIO.java opens, Pump.java copies).
 *
 * <p>Run it: {@code jbang lab05}. Check it: {@code ./verify.sh lab05}.
 */
public final class CopyLoop implements Lab05.Exercise {

    @Override
    public int openFifo(String path) throws Exception {
        // TODO(lab05): 1. open the client's FIFO for the shim to write into. Write-only looks right, until the client
        //   goes away (ctr exits, containerd restarts) while the container still writes: who reads the FIFO then?
        //   The output must wait in the FIFO for the client to come back. fifo(7) and pipe(7) say which way of
        //   opening makes the shim itself a reader (and one that never blocks in open).
        return Posix.open(path, Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
    }

    @Override
    public void copy(Lab05.Fd from, Lab05.Fd to) throws Exception {
        // TODO(lab05): 2. copy everything from `from` (the container's stdout pipe) into `to` (the FIFO) until end of
        //   file, and only then return. Both are non-blocking (Lab05.Fd says what each call returns and throws):
        //   - read: the bytes read, 0 at end of file, or EAGAIN when nothing has come yet (PosixException.errno());
        //   - write: may take fewer bytes than asked, or none at all (EAGAIN) while the client does not read;
        //   - awaitReadable / awaitWritable: wait instead of asking again and again.
        //   The lab sends a lot of output through a FIFO that takes at most 3000 bytes per write, to a client that
        //   reads slowly and goes away for a while, and compares every byte.
        byte[] buffer = new byte[32 * 1024];
        int n = from.read(buffer);
        to.write(buffer, 0, n);
    }
}
