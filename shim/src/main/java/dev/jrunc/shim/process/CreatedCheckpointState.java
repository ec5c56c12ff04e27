package dev.jrunc.shim.process;

import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * After a Create that carries a checkpoint: nothing runs yet, not even in runc, and there is no pid. The task
 * reads as CREATED and refuses what a {@link CreatedState} refuses, like the Go shim's
 * {@code createdCheckpointState}; two things differ. Start is {@code runc restore}, which brings the checkpointed
 * processes back (a failed restore leaves the task here: it can be deleted, or started again). And no exec may
 * join: there is no container yet to run it in.
 */
final class CreatedCheckpointState extends CreatedState {
    private final Runc.RestoreOptions options;

    CreatedCheckpointState(Runc.RestoreOptions options) {
        this.options = options;
    }

    @Override
    public void start(InitProcess process) throws Exception {
        process.runcRestore(options);
        process.transition(new RunningState());
    }

    @Override
    public void checkExec() throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot exec in a created state");
    }
}
