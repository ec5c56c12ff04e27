package lab06_ttrpc.exercise;

import dev.jrunc.shim.ttrpc.Frame;
import lab06_ttrpc.Lab06;

/**
 * Lab 06 exercise: build, by hand, the ttrpc frame containerd sends to ask a shim about a container.
 * The shim's side: shim/src/main/java/dev/jrunc/shim/ttrpc (Frame.java, ServerConnection.java); the messages:
 * shim/src/main/proto/ttrpc/request.proto and shim/src/main/proto/containerd/task/v2/shim.proto.
 *
 * <p>Run it: {@code jbang lab06}. Check it: {@code ./verify.sh lab06}.
 */
public final class StateCall implements Lab06.Exercise {

    @Override
    public Frame stateRequest(String id) {
        // TODO(lab06): as written, this sends an empty request on stream 0, which the shim refuses.
        //   1. the method's message: dev.jrunc.shim.proto.task.StateRequest with id = `id`;
        //   2. the envelope: dev.jrunc.shim.ttrpc.proto.Request with service "containerd.task.v2.Task",
        //      method "State", payload = the StateRequest's bytes (toByteString());
        //   3. the frame: Frame.request(streamId, the Request's bytes), with a stream id a client may use.
        return Frame.request(0, new byte[0]);
    }
}
