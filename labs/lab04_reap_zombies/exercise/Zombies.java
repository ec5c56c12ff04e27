package lab04_reap_zombies.exercise;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import lab04_reap_zombies.Lab04;

/**
 * Lab 04 exercise: the heart of the shim's reaper, by hand. The shim's Reaper
 * (shim/src/main/java/dev/jrunc/shim/reaper/Reaper.java) runs such a loop forever, blocking, on its own thread.
 *
 * <p>Run it: {@code jbang lab04}. Check it: {@code ./verify.sh lab04}.
 */
public final class Zombies implements Lab04.Exercise {

    @Override
    public int exitStatus(int rawStatus) {
        // TODO(lab04): 1. decode the raw status word the way containerd reports it (wait(2) describes the word):
        //   - a process that exited: its exit code;
        //   - a process a signal killed: 128 + the signal's number (143 for SIGTERM 15, 137 for SIGKILL 9).
        //   Which bits say which case, and which bits hold the number? Careful with a process that dumped core.
        return rawStatus;
    }

    @Override
    public Map<Integer, Integer> reapAll(Lab04.WaitCall call) throws Exception {
        Map<Integer, Integer> reaped = new LinkedHashMap<>();
        int[] status = new int[1];
        // TODO(lab04): 2. collect every child that has exited so far, without blocking, through
        //   call.waitpid(pid, status, options) (pid -1: any child; options Posix.WNOHANG: do not wait).
        //   Put pid -> exitStatus(status[0]) into `reaped` for each. Think about what each outcome means:
        //   a pid > 0; the value 0; a PosixException with errno() Posix.ECHILD; one with errno() Posix.EINTR.
        //   The lab tries all four.
        int pid = call.waitpid(-1, status, Posix.WNOHANG);
        if (pid > 0) {
            reaped.put(pid, exitStatus(status[0]));
        }
        return reaped;
    }
}
