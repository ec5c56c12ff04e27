package lab04_reap_zombies.solution;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import lab04_reap_zombies.Lab04;

/** Lab 04 solution: decode the status word; waitpid(-1, WNOHANG) until nothing more has exited. */
public final class Zombies implements Lab04.Exercise {

    @Override
    public int exitStatus(int rawStatus) {
        int signal = rawStatus & 0x7f;          // WTERMSIG; 0x80 is the core-dump flag, not part of the signal
        if (signal == 0) {
            return (rawStatus >> 8) & 0xff;     // WIFEXITED: WEXITSTATUS
        }
        return 128 + signal;                    // WIFSIGNALED: the shell's and containerd's convention
    }

    @Override
    public Map<Integer, Integer> reapAll(Lab04.WaitCall call) throws Exception {
        Map<Integer, Integer> reaped = new LinkedHashMap<>();
        int[] status = new int[1];
        while (true) {
            int pid;
            try {
                pid = call.waitpid(-1, status, Posix.WNOHANG);
            } catch (PosixException e) {
                if (e.errno() == Posix.EINTR) {
                    continue;                   // a signal arrived meanwhile: nothing happened, ask again
                }
                if (e.errno() == Posix.ECHILD) {
                    return reaped;              // no children at all
                }
                throw e;
            }
            if (pid == 0) {
                return reaped;                  // children remain, none has exited yet
            }
            reaped.put(pid, exitStatus(status[0]));
        }
    }
}
