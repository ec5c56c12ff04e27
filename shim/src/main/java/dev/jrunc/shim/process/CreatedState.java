package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/** After {@code runc create}: the init exists and waits for {@code runc start}. */
final class CreatedState implements InitState {

    @Override
    public void start(InitProcess process) throws Exception {
        process.runcStart();
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
        throw new TtrpcException(Code.UNKNOWN, "cannot pause a created process");
    }

    @Override
    public void resume(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot resume a created process");
    }

    @Override
    public void update(InitProcess process, byte[] resources) throws Exception {
        process.runcUpdate(resources);
    }

    @Override
    public void checkpoint(InitProcess process, Runc.CheckpointOptions options) throws Exception {
        throw new TtrpcException(Code.UNKNOWN, "cannot checkpoint a created state");
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
