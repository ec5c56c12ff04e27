package dev.jrunc.shim.reaper;

import java.time.Instant;

/**
 * A process that ended: its pid, its exit status as containerd reports it, and when we saw it.
 *
 * <p>The status is the exit code for a normal exit, or 128 + the signal number for a process killed by a
 * signal (137 for SIGKILL, 143 for SIGTERM) — the convention shells and containerd use.
 */
public record Exit(int pid, int status, Instant exitedAt) {

    /** Decodes a raw {@code waitpid} status word. */
    public static int statusOf(int raw) {
        int signal = raw & 0x7f;
        if (signal == 0) {
            return (raw >> 8) & 0xff;   // WIFEXITED: WEXITSTATUS
        }
        return 128 + signal;             // WIFSIGNALED: 128 + WTERMSIG
    }
}
