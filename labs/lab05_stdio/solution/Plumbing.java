package lab05_stdio.solution;

import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.stdio.ProcessIO;
import dev.jrunc.shim.stdio.Stdio;
import lab05_stdio.Lab05;

/** Lab 05 solution: pipes for the container, copies to and from the client's FIFOs. */
public final class Plumbing implements Lab05.Exercise {

    @Override
    public ProcessIO create(Runc runc, String id, Runc.CreateOptions options, Stdio fifos) throws Exception {
        ProcessIO io = ProcessIO.open(id, fifos, -1, -1);
        runc.create(id, options, io.childStdin(), io.childStdout(), io.childStderr());
        return io;
    }

    @Override
    public void started(ProcessIO io) throws Exception {
        io.started();
    }
}
