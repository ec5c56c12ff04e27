package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/** Every process of the container is frozen (runc pause, the freezer cgroup). */
final class PausedState implements InitState {

    @Override
    public void start(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot start a paused process");
    }

    @Override
    public void kill(InitProcess process, int signal, boolean all) throws Exception {
        process.runcKill(signal, all);
    }

    @Override
    public void delete(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot delete a paused process");
    }

    @Override
    public void pause(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot pause a paused container");
    }

    @Override
    public void resume(InitProcess process) throws Exception {
        process.runcResume();
        process.transition(new RunningState());
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
    public void checkExec() throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot exec in a paused state");
    }

    /** A frozen process can still die (SIGKILL reaches it); thaw the rest so they can exit too, as runc-v2 does. */
    @Override
    public void exited(InitProcess process) {
        process.transition(new StoppedState());
        process.thawAfterExit();
    }

    @Override
    public Status status() {
        return Status.PAUSED;
    }
}
