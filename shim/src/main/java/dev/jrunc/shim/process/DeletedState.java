package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/** runc's state and the rootfs are gone. Nothing is left to do; most things answer NotFound. */
final class DeletedState implements InitState {

    @Override
    public void start(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot start a deleted process");
    }

    @Override
    public void kill(InitProcess process, int signal, boolean all) throws TtrpcException {
        throw new TtrpcException(Code.NOT_FOUND, "cannot kill a deleted process: not found");
    }

    @Override
    public void delete(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.NOT_FOUND, "cannot delete a deleted process: not found");
    }

    @Override
    public void pause(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot pause a deleted process");
    }

    @Override
    public void resume(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot resume a deleted process");
    }

    @Override
    public void update(InitProcess process, byte[] resources) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot update a deleted process");
    }

    @Override
    public void checkpoint(InitProcess process, Runc.CheckpointOptions options) throws Exception {
        throw new TtrpcException(Code.UNKNOWN, "cannot checkpoint a deleted process");
    }

    @Override
    public void checkExec() throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot exec in a deleted state");
    }

    @Override
    public void exited(InitProcess process) {
    }

    @Override
    public Status status() {
        // containerd expects a deleted init to read as stopped.
        return Status.STOPPED;
    }
}
