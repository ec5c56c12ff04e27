package lab03_subreaper.exercise;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import lab03_subreaper.Lab03;
import lab03_subreaper.Lab03.Event;

/**
 * Lab 03 exercise: who adopts an orphan, and how a shim makes sure it is the one.
 *
 * <p>Run it: {@code jbang lab03}. Check it: {@code ./verify.sh lab03}.
 */
public final class Adoption implements Lab03.Exercise {

    @Override
    public Map<Integer, Integer> parents(List<Event> history) {
        Map<Integer, Integer> parents = new HashMap<>();
        // TODO(lab03): 1. replay `history` (Spawned, Subreaper, Exec, Exited: see Lab03.java) and return the parent
        //   of every process that has not exited, as the kernel decides it. When a process exits, each of its
        //   children needs a new parent: which one? Read PR_SET_CHILD_SUBREAPER in `man 2 prctl`, every sentence
        //   (what is inherited by a child, what survives execve, who is searched, what happens without one).
        //   The lab starts the family for real, asks you before each of three exits, and the kernel checks you.
        return parents;
    }

    @Override
    public void become() throws Exception {
        // TODO(lab03): 2. make this process a child subreaper, as the shim's daemon does first thing
        //   (shim/src/main/java/dev/jrunc/shim/cli/Daemon.java); dev.jrunc.shim.posix.Posix has the call.
    }
}
