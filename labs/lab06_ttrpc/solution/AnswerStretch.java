package lab06_ttrpc.solution;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.jrunc.shim.ttrpc.Code;
import dev.jrunc.shim.ttrpc.Frame;
import dev.jrunc.shim.ttrpc.FrameTooLargeException;
import dev.jrunc.shim.ttrpc.TtrpcException;
import dev.jrunc.shim.ttrpc.proto.Request;
import dev.jrunc.shim.ttrpc.proto.Response;
import lab06_ttrpc.Lab06;

/** Lab 06 stretch solution: the checks of a unary ttrpc server, in its order; success carries no status at all. */
public final class AnswerStretch implements Lab06.Stretch {

    @Override
    public Frame answer(Frame frame, Lab06.Handler handler) {
        if ((frame.streamId() & 1) == 0) {
            return failure(frame.streamId(), new TtrpcException(Code.INVALID_ARGUMENT, "StreamID must be odd for client initiated streams"));
        }
        if (frame.type() != Frame.TYPE_REQUEST) {
            return null;                                   // responses and stream data mean nothing to a unary server
        }
        Request request;
        try {
            request = Request.parseFrom(frame.data());
        } catch (InvalidProtocolBufferException e) {
            return failure(frame.streamId(), new TtrpcException(Code.INVALID_ARGUMENT, "unmarshal request error: " + e.getMessage()));
        }
        try {
            ByteString payload = handler.call(request.getService(), request.getMethod(), request.getPayload());
            return Frame.response(frame.streamId(), Response.newBuilder().setPayload(payload).build().toByteArray());
        } catch (TtrpcException e) {
            return failure(frame.streamId(), e);
        }
    }

    @Override
    public Frame answerTooLarge(FrameTooLargeException e) {
        return failure(e.streamId(), new TtrpcException(Code.RESOURCE_EXHAUSTED, e.getMessage()));
    }

    private static Frame failure(int streamId, TtrpcException e) {
        return Frame.response(streamId, Response.newBuilder().setStatus(e.toStatus()).build().toByteArray());
    }
}
