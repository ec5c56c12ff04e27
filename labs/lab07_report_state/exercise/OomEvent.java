package lab07_report_state.exercise;

import lab07_report_state.Lab07;

/**
 * Lab 07 exercise: publish one event to containerd the way the shim does, with the shim's own publisher
 * (shim/src/main/java/dev/jrunc/shim/events: Publisher, RemotePublisher, Topics) and event messages
 * (dev.jrunc.shim.proto.events, from shim/src/main/proto/containerd/events/task.proto).
 *
 * <p>Run it: {@code jbang lab07}. Check it: {@code ./verify.sh lab07}.
 */
public final class OomEvent implements Lab07.Exercise {

    @Override
    public void publishOom(String ttrpcAddress, String namespace, String id) throws Exception {
        // TODO(lab07): publish a TaskOOM event (container_id = id) on topic Topics.TASK_OOM.
        //   - a RemotePublisher sends to containerd's ttrpc socket (ttrpcAddress, not the gRPC socket ctr uses),
        //     in the container's namespace;
        //   - it sends from a queue on a background thread: close it (try-with-resources) so the event goes out
        //     before this method returns, as the shim does when it shuts down.
        //   new RemotePublisher(String address, String namespace); publisher.publish(String topic, Message event);
        //   TaskOOM.newBuilder().setContainerId(id).build()  (import dev.jrunc.shim.proto.events.TaskOOM)
    }
}
