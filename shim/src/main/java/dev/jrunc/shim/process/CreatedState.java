package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * After {@code runc create}: the init exists and waits for {@code runc start}. It can be started, signalled,
 * deleted or given new limits, but not paused, resumed or checkpointed — nothing runs yet.
 *
 * <p>{@link CreatedCheckpointState} is the same state for a task that will be restored from a checkpoint: it
 * extends this class and changes only what Start does and whether an exec may join.
 */
class CreatedState implements InitState {

    /** {@code runc start}: the waiting init execs the container's process. */
    @Override
    public void start(InitProcess process) throws Exception {
        process.runcStart();
        process.transition(new RunningState());
    }

    @Override
    public final void kill(InitProcess process, int signal, boolean all) throws Exception {
        process.runcKill(signal, all);
    }

    @Override
    public final void delete(InitProcess process) throws Exception {
        process.runcDelete();
        process.transition(new DeletedState());
    }

    // The Go shim's words for what a created task refuses (its errors carry no code: containerd reads Unknown).

    @Override
    public final void pause(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot pause task in created state");
    }

    @Override
    public final void resume(InitProcess process) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot resume task in created state");
    }

    @Override
    public final void checkpoint(InitProcess process, Runc.CheckpointOptions options) throws TtrpcException {
        throw new TtrpcException(Code.UNKNOWN, "cannot checkpoint a task in created state");
    }

    @Override
    public final void update(InitProcess process, byte[] resources) throws Exception {
        process.runcUpdate(resources);
    }

    /** runc can exec into a created container: its namespaces and cgroup exist already. */
    @Override
    public void checkExec() throws TtrpcException {
    }

    @Override
    public final void exited(InitProcess process) {
        process.transition(new StoppedState());
    }

    @Override
    public final Status status() {
        return Status.CREATED;
    }
}
