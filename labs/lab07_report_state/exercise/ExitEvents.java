package lab07_report_state.exercise;

import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.reaper.Exit;
import lab07_report_state.Lab07;

/**
 * Lab 07 exercise: the events of a container's life, from what runc and the reaper tell the shim. The messages:
 * dev.jrunc.shim.proto.events (shim/src/main/proto/containerd/events/task.proto); the topics:
 * dev.jrunc.shim.events.Topics; the shim's own: shim/src/main/java/dev/jrunc/shim/task/TaskService.java.
 *
 * <p>Run it: {@code jbang lab07}. Check it: {@code ./verify.sh lab07}.
 */
public final class ExitEvents implements Lab07.Exercise {

    // TODO(lab07): publish /tasks/start, /tasks/exit and /tasks/delete for each container, with the fields
    //   containerd's Go shim sends (step 4 shows our shim's), in the order containerd's clients rely on: start,
    //   exit, delete. The lab's checks compare ctr events with that, field by field, for two containers:
    //   - lab07-a starts, is killed, is deleted;
    //   - lab07-b exits at once: the reaper reports its exit before runc start has even returned.
    //   What an exit event says about the exit comes from the Exit the reaper gave you (its pid, status and time,
    //   a google.protobuf.Timestamp: seconds and nanos); a delete repeats it. Several containers live at once.

    @Override
    public void started(Publisher events, String containerId, int pid) {
    }

    @Override
    public void exited(Publisher events, String containerId, Exit exit) {
    }

    @Override
    public void deleted(Publisher events, String containerId) {
    }
}
