package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.TtrpcException;

/**
 * The states of an exec'd process — simpler than the init's: created → running → stopped → deleted.
 * All in one file, as they are small (containerd's pkg/process/exec_state.go does the same).
 */
interface ExecState {

    void start(ExecProcess process) throws Exception;

    void delete(ExecProcess process) throws Exception;

    void kill(ExecProcess process, int signal) throws Exception;

    void exited(ExecProcess process);

    Status status();

    /** Added by the Exec call; nothing runs yet. */
    final class Created implements ExecState {
        @Override
        public void start(ExecProcess process) throws Exception {
            process.runcExec();
            process.transition(new Running());
        }

        @Override
        public void delete(ExecProcess process) {
            process.release();
            process.transition(new Deleted());
        }

        /** The Go shim's words: its error wraps containerd's "failed precondition", whose text it carries. */
        @Override
        public void kill(ExecProcess process, int signal) throws TtrpcException {
            throw new TtrpcException(Code.FAILED_PRECONDITION, "process not created: failed precondition");
        }

        @Override
        public void exited(ExecProcess process) {
            process.transition(new Stopped());
        }

        @Override
        public Status status() {
            return Status.CREATED;
        }
    }

    final class Running implements ExecState {
        @Override
        public void start(ExecProcess process) throws TtrpcException {
            throw new TtrpcException(Code.UNKNOWN, "cannot start a running process");
        }

        @Override
        public void delete(ExecProcess process) throws TtrpcException {
            throw new TtrpcException(Code.UNKNOWN, "cannot delete a running process");
        }

        /** An exec is signalled directly, not through runc: it is our child, and we know its pid. */
        @Override
        public void kill(ExecProcess process, int signal) throws Exception {
            process.signal(signal);
        }

        @Override
        public void exited(ExecProcess process) {
            process.transition(new Stopped());
        }

        @Override
        public Status status() {
            return Status.RUNNING;
        }
    }

    final class Stopped implements ExecState {
        @Override
        public void start(ExecProcess process) throws TtrpcException {
            throw new TtrpcException(Code.UNKNOWN, "cannot start a stopped process");
        }

        @Override
        public void delete(ExecProcess process) {
            process.release();
            process.transition(new Deleted());
        }

        @Override
        public void kill(ExecProcess process, int signal) throws TtrpcException {
            throw new TtrpcException(Code.NOT_FOUND, "process already finished: not found");
        }

        @Override
        public void exited(ExecProcess process) {
        }

        @Override
        public Status status() {
            return Status.STOPPED;
        }
    }

    final class Deleted implements ExecState {
        @Override
        public void start(ExecProcess process) throws TtrpcException {
            throw new TtrpcException(Code.UNKNOWN, "cannot start a deleted process");
        }

        @Override
        public void delete(ExecProcess process) throws TtrpcException {
            throw new TtrpcException(Code.NOT_FOUND, "cannot delete a deleted process: not found");
        }

        @Override
        public void kill(ExecProcess process, int signal) throws TtrpcException {
            throw new TtrpcException(Code.NOT_FOUND, "cannot kill a deleted process: not found");
        }

        @Override
        public void exited(ExecProcess process) {
        }

        @Override
        public Status status() {
            return Status.STOPPED;
        }
    }
}
