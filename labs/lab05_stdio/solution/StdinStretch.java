package lab05_stdio.solution;

import dev.jrunc.shim.posix.Posix;
import lab05_stdio.Lab05;

/**
 * Lab 05 stretch solution: a writer of the shim's own keeps the FIFO's reader from seeing end of file while the
 * client is away; CloseIO drops it.
 */
public final class StdinStretch implements Lab05.Stretch {
    private int holder = -1;

    @Override
    public synchronized int openStdin(String path) throws Exception {
        // Read-write never blocks on Linux, and makes us a writer: the reader below then opens without blocking too.
        holder = Posix.open(path, Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        return Posix.open(path, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
    }

    @Override
    public synchronized void closeStdin() {
        Posix.close(holder);
        holder = -1;
    }
}
