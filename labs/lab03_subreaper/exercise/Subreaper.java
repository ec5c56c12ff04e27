package lab03_subreaper.exercise;

import lab03_subreaper.Lab03;

/**
 * Lab 03 exercise: make this process a child subreaper, as the shim's daemon does first thing
 * (shim/src/main/java/dev/jrunc/shim/cli/Daemon.java). The system call is prctl(2) with PR_SET_CHILD_SUBREAPER;
 * the shim's {@code dev.jrunc.shim.posix.Posix} has it.
 *
 * <p>Run it: {@code jbang lab03}. Check it: {@code ./verify.sh lab03}.
 */
public final class Subreaper implements Lab03.Exercise {

    @Override
    public void become() throws Exception {
        // TODO(lab03): one call: ask the kernel to hand us the orphans among our descendants
        //   (see Posix.setChildSubreaper and its comment).
    }
}
