package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/** The container's process runs. Only its exit (or a signal that causes it) or a pause moves it on. */
final class RunningState implements InitState {

    @Override
    public void start(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot start a running process");
    }

    @Override
    public void kill(InitProcess process, int signal, boolean all) throws Exception {
        process.runcKill(signal, all);
    }

    @Override
    public void delete(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot delete a running process");
    }

    @Override
    public void pause(InitProcess process) throws Exception {
        process.runcPause();
        process.transition(new PausedState());
    }

    @Override
    public void resume(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot resume a running process");
    }

    @Override
    public void update(InitProcess process, byte[] resources) throws Exception {
        process.runcUpdate(resources);
    }

    @Override
    public void checkpoint(InitProcess process, Runc.CheckpointOptions options) throws Exception {
        process.runcCheckpoint(options);
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
        return Status.RUNNING;
    }
}
