package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * After a Create that carries a checkpoint: nothing runs yet, not even in runc, and there is no pid. Start is
 * {@code runc restore}, which brings the checkpointed processes back; until then the task reads as CREATED, like
 * the Go shim's {@code createdCheckpointState}. A failed restore leaves the task here: it can be deleted, or
 * started again.
 */
final class CreatedCheckpointState implements InitState {
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
    public void kill(InitProcess process, int signal, boolean all) throws Exception {
        process.runcKill(signal, all);
    }

    @Override
    public void delete(InitProcess process) throws Exception {
        process.runcDelete();
        process.transition(new DeletedState());
    }

    @Override
    public void pause(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot pause task in created state");
    }

    @Override
    public void resume(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot resume task in created state");
    }

    @Override
    public void update(InitProcess process, byte[] resources) throws Exception {
        process.runcUpdate(resources);
    }

    @Override
    public void checkpoint(InitProcess process, Runc.CheckpointOptions options) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot checkpoint a task in created state");
    }

    @Override
    public void checkExec() {
    }

    @Override
    public void exited(InitProcess process) {
        process.transition(new StoppedState());
    }

    @Override
    public Status status() {
        return Status.CREATED;
    }
}
