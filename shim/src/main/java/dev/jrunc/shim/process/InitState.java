package dev.jrunc.shim.process;

import dev.jrunc.shim.proto.types.Status;

/**
 * One state of a container's init process. Each state answers every operation, so "can I start a stopped
 * container?" is answered by one method in one file ({@link StoppedState#start}). The lifecycle:
 *
 * <pre>
 *   created ──start──▶ running ──exit──▶ stopped ──delete──▶ deleted
 *      │  └──────────────exit──────────────▲                   ▲
 *      └────────────────────────delete─────────────────────────┘
 * </pre>
 *
 * Operations run with the process's lock held; a state changes the process with {@link InitProcess#transition}.
 */
interface InitState {

    void start(InitProcess process) throws Exception;

    void kill(InitProcess process, int signal, boolean all) throws Exception;

    void delete(InitProcess process) throws Exception;

    /** The reaper saw the init exit. */
    void exited(InitProcess process);

    Status status();
}
