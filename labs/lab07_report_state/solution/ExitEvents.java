package lab07_report_state.solution;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.Timestamp;

import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.events.Topics;
import dev.jrunc.shim.proto.events.TaskDelete;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.events.TaskStart;
import dev.jrunc.shim.reaper.Exit;
import lab07_report_state.Lab07;

/**
 * Lab 07 solution: per container, whether its start is out and its exit; an exit that comes first waits for the start.
 * One lock: started() runs on a Task call's thread, exited() on the reaper's.
 */
public final class ExitEvents implements Lab07.Exercise {
    private final Set<String> started = new HashSet<>();
    private final Map<String, Exit> exits = new HashMap<>();

    @Override
    public synchronized void started(Publisher events, String containerId, int pid) {
        started.add(containerId);
        events.publish(Topics.TASK_START, TaskStart.newBuilder().setContainerId(containerId).setPid(pid).build());
        Exit early = exits.get(containerId);
        if (early != null) {
            publishExit(events, containerId, early);    // it exited before we knew its pid: now its turn has come
        }
    }

    @Override
    public synchronized void exited(Publisher events, String containerId, Exit exit) {
        exits.put(containerId, exit);
        if (started.contains(containerId)) {
            publishExit(events, containerId, exit);
        }
    }

    @Override
    public synchronized void deleted(Publisher events, String containerId) {
        Exit exit = exits.remove(containerId);
        started.remove(containerId);
        events.publish(Topics.TASK_DELETE, TaskDelete.newBuilder().setContainerId(containerId)
                .setPid(exit.pid()).setExitStatus(exit.status()).setExitedAt(timestamp(exit)).build());
    }

    private static void publishExit(Publisher events, String containerId, Exit exit) {
        events.publish(Topics.TASK_EXIT, TaskExit.newBuilder().setContainerId(containerId).setId(containerId)
                .setPid(exit.pid()).setExitStatus(exit.status()).setExitedAt(timestamp(exit)).build());
    }

    /** The reaper's time, to the nanosecond: the exit's time, not the publishing's. */
    private static Timestamp timestamp(Exit exit) {
        return Timestamp.newBuilder().setSeconds(exit.exitedAt().getEpochSecond()).setNanos(exit.exitedAt().getNano()).build();
    }
}
