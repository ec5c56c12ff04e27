package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/** The init has exited and been reaped; its exit status is known. Waiting for Delete. */
final class StoppedState implements InitState {

    @Override
    public void start(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot start a stopped process");
    }

    @Override
    public void kill(InitProcess process, int signal, boolean all) throws Exception {
        // runc still gets asked (the Go shim does the same); it answers that the container is not running,
        // which becomes NotFound "process already finished".
        process.runcKill(signal, all);
    }

    @Override
    public void delete(InitProcess process) throws Exception {
        process.runcDelete();
        process.transition(new DeletedState());
    }

    @Override
    public void pause(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot pause a stopped container");
    }

    @Override
    public void resume(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot resume a stopped container");
    }

    @Override
    public void update(InitProcess process, byte[] resources) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot update a stopped container");
    }

    @Override
    public void checkpoint(InitProcess process, Runc.CheckpointOptions options) throws Exception {
        throw new TtrpcException(Code.UNKNOWN, "cannot checkpoint a stopped container");
    }

    @Override
    public void checkExec() throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot exec in a stopped state");
    }

    @Override
    public void exited(InitProcess process) {
        // already recorded
    }

    @Override
    public Status status() {
        return Status.STOPPED;
    }
}
