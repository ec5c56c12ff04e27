package lab04_reap_zombies.exercise;

import java.util.ArrayList;
import java.util.List;

import dev.jrunc.shim.posix.Posix;
import lab04_reap_zombies.Lab04;

/**
 * Lab 04 exercise: one round of the shim's reaper loop, by hand. The shim's Reaper
 * (shim/src/main/java/dev/jrunc/shim/reaper/Reaper.java) does the same forever, blocking, on its own thread.
 *
 * <p>Run it: {@code jbang lab04}. Check it: {@code ./verify.sh lab04}.
 */
public final class Zombies implements Lab04.Exercise {

    @Override
    public List<Lab04.Reaped> reapAll() throws Exception {
        List<Lab04.Reaped> reaped = new ArrayList<>();
        // TODO(lab04): collect every child that has exited, without blocking:
        //   call Posix.waitpid(-1, status, Posix.WNOHANG) in a loop, with int[] status = new int[1].
        //   - it returns a pid (> 0): that child is reaped; its raw wait status is in status[0]: add a
        //     new Lab04.Reaped(pid, status[0]);
        //   - it returns 0: children remain, but none has exited yet: stop;
        //   - it throws a PosixException with errno() == Posix.ECHILD: no children at all: stop.
        return reaped;
    }
}
