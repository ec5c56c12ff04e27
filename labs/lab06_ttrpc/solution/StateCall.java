package lab06_ttrpc.solution;

import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.ttrpc.Frame;
import dev.jrunc.shim.ttrpc.proto.Request;
import lab06_ttrpc.Lab06;

/** Lab 06 solution: State's message inside a ttrpc Request, inside a request frame on stream 1. */
public final class StateCall implements Lab06.Exercise {

    @Override
    public Frame stateRequest(String id) {
        Request request = Request.newBuilder()
                .setService("containerd.task.v2.Task")
                .setMethod("State")
                .setPayload(StateRequest.newBuilder().setId(id).build().toByteString())
                .build();
        // Streams a client opens have odd ids; the first is 1.
        return Frame.request(1, request.toByteArray());
    }
}
