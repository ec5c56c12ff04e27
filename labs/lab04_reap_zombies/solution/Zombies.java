package lab04_reap_zombies.solution;

import java.util.ArrayList;
import java.util.List;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import lab04_reap_zombies.Lab04;

/** Lab 04 solution: waitpid(-1, WNOHANG) until nothing more has exited. */
public final class Zombies implements Lab04.Exercise {

    @Override
    public List<Lab04.Reaped> reapAll() throws Exception {
        List<Lab04.Reaped> reaped = new ArrayList<>();
        int[] status = new int[1];
        while (true) {
            int pid;
            try {
                pid = Posix.waitpid(-1, status, Posix.WNOHANG);
            } catch (PosixException e) {
                if (e.errno() == Posix.ECHILD) {
                    return reaped;          // no children left at all
                }
                throw e;
            }
            if (pid == 0) {
                return reaped;              // children remain, none has exited yet
            }
            reaped.add(new Lab04.Reaped(pid, status[0]));
        }
    }
}
