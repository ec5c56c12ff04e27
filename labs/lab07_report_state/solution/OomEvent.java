package lab07_report_state.solution;

import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.events.RemotePublisher;
import dev.jrunc.shim.events.Topics;
import dev.jrunc.shim.proto.events.TaskOOM;
import lab07_report_state.Lab07;

/** Lab 07 solution: the shim's RemotePublisher, closed so that its queue is flushed. */
public final class OomEvent implements Lab07.Exercise {

    @Override
    public void publishOom(String ttrpcAddress, String namespace, String id) throws Exception {
        try (Publisher publisher = new RemotePublisher(ttrpcAddress, namespace)) {
            publisher.publish(Topics.TASK_OOM, TaskOOM.newBuilder().setContainerId(id).build());
        }
    }
}
