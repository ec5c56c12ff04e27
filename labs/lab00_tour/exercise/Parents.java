package lab00_tour.exercise;

import java.io.IOException;

import lab00_tour.Lab00;

/**
 * Lab 00 exercise: who is a process's parent? Every later lab asks this question, so here you answer it the way
 * {@code ps} does: from the kernel's {@code /proc/<pid>/stat}.
 *
 * <p>Run it: {@code jbang lab00}. Check it: {@code ./verify.sh lab00}.
 */
public final class Parents implements Lab00.Exercise {

    @Override
    public int parentOf(int pid) throws IOException {
        // TODO(lab00): return the parent pid of `pid`, read from /proc/<pid>/stat.
        //   That file is one line, e.g.   12345 (sleep) S 12300 12345 12345 0 -1 4194560 ...
        //   fields: pid, (command name), state, PARENT PID, process group, session, ...
        //   Careful: the command name may contain spaces and ')' itself (a container's init is briefly called
        //   "runc:[2:INIT]"), so do not simply split the whole line on spaces: cut after the LAST ')'.
        //   Useful: java.nio.file.Files.readString(java.nio.file.Path.of("/proc", String.valueOf(pid), "stat"))
        return -1;
    }
}
