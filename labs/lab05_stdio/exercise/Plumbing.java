package lab05_stdio.exercise;

import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.stdio.ProcessIO;
import dev.jrunc.shim.stdio.Stdio;
import lab05_stdio.Lab05;

/**
 * Lab 05 exercise: give the container its stdio the way the shim's Create does
 * (shim/src/main/java/dev/jrunc/shim/process/InitProcess.java, with shim/src/main/java/dev/jrunc/shim/stdio).
 *
 * <p>Run it: {@code jbang lab05}. Check it: {@code ./verify.sh lab05}.
 */
public final class Plumbing implements Lab05.Exercise {

    @Override
    public ProcessIO create(Runc runc, String id, Runc.CreateOptions options, Stdio fifos) throws Exception {
        // TODO(lab05): as written, the container gets /dev/null (-1) for stdin, stdout and stderr.
        //   1. open the plumbing: ProcessIO.open(id, fifos, -1, -1) (-1, -1: leave the pipes owned by root);
        //   2. hand runc the container's ends: io.childStdin(), io.childStdout(), io.childStderr();
        //   3. return the ProcessIO (the lab closes it at the end).
        runc.create(id, options, -1, -1, -1);
        return null;
    }

    @Override
    public void started(ProcessIO io) throws Exception {
        // TODO(lab05): runc start has returned: tell the ProcessIO, so it drops its copies of the container's
        //   pipe ends and starts copying.
    }
}
