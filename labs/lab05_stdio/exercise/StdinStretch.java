package lab05_stdio.exercise;

import lab05_stdio.Lab05;

/**
 * Lab 05 stretch exercise: the container's stdin. The copy loop (the solution's) reads the client's stdin FIFO
 * from the fd you return, and ends at end of file; then the container's stdin ends too. Check it with
 * {@code ./verify.sh lab05 --stretch}.
 */
public final class StdinStretch implements Lab05.Stretch {

    @Override
    public int openStdin(String path) throws Exception {
        // TODO(lab05): open the client's stdin FIFO for the copy loop to read from, and return that fd. Mind when a
        //   FIFO's reader sees end of file (fifo(7), pipe(7)): the client closes its writer when ctr exits or
        //   containerd restarts, and comes back; only CloseIO (closeStdin below) may end the container's input.
        //   And an open(2) of a FIFO may block until the other side is there.
        return -1;
    }

    @Override
    public void closeStdin() throws Exception {
        // TODO(lab05): CloseIO: from now on the copy loop must see end of file once the client's writer is closed.
    }
}
