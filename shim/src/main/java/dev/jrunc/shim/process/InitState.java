package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;

/**
 * One state of a container's init process. Each state answers every operation, so "can I start a stopped
 * container?" is answered by one method in one file ({@link StoppedState#start}). The lifecycle:
 *
 * <pre>
 *   created ──start──▶ running ◀──resume── paused
 *      │                  │  └────pause──────▲ │
 *      │                  exit                 exit
 *      │                  ▼                    │
 *      ├──────exit────▶ stopped ◀──────────────┘
 *      │                  │
 *      └────delete────▶ deleted ◀──delete──
 * </pre>
 *
 * Operations run with the process's lock held; a state changes the process with {@link InitProcess#transition}.
 */
interface InitState {

    void start(InitProcess process) throws Exception;

    void kill(InitProcess process, int signal, boolean all) throws Exception;

    void delete(InitProcess process) throws Exception;

    void pause(InitProcess process) throws Exception;

    void resume(InitProcess process) throws Exception;

    /** runc update with new cgroup limits. */
    void update(InitProcess process, byte[] resources) throws Exception;

    /** runc checkpoint (CRIU). */
    void checkpoint(InitProcess process, dev.jrunc.shim.runc.Runc.CheckpointOptions options) throws Exception;

    /** Throws if no exec may be added to the container in this state. */
    void checkExec() throws Exception;

    /** The reaper saw the init exit. */
    void exited(InitProcess process);

    Status status();
}
