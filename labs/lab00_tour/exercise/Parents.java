package lab00_tour.exercise;

import java.io.IOException;
import java.util.List;

import lab00_tour.Lab00;
import lab00_tour.Lab00.Stat;

/**
 * Lab 00 exercise: who is a process's parent? Every later lab asks this question, so here you answer it the way
 * {@code ps} does: from the kernel's {@code /proc/<pid>/stat}.
 *
 * <p>Run it: {@code jbang lab00}. Check it: {@code ./verify.sh lab00}.
 */
public final class Parents implements Lab00.Exercise {

    @Override
    public Stat stat(int pid) throws IOException {
        // TODO(lab00): 1. read /proc/<pid>/stat and return its first six fields: pid, comm (the name, without the
        //   parentheses around it), state, ppid, pgrp, session. `man 5 proc` describes the line; `cat /proc/self/stat`
        //   shows one. Careful: the lab also asks about a process whose name holds spaces and parentheses, and a
        //   parser that is wrong for it gives no error, only wrong numbers.
        return null;
    }

    @Override
    public List<Integer> ancestry(int pid) throws IOException {
        // TODO(lab00): 2. with your stat(): pid, its parent, that one's parent, … up to and including pid 1
        //   (whose parent, 0, is nobody). The lab walks up from the container's init.
        return List.of(pid);
    }
}
