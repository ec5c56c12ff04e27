package lab06_ttrpc.exercise;

import dev.jrunc.shim.ttrpc.Frame;
import dev.jrunc.shim.ttrpc.FrameTooLargeException;
import lab06_ttrpc.Lab06;

/**
 * Lab 06 stretch exercise: a ttrpc server's side of one frame: which frames get an answer, and which answer. The
 * messages: dev.jrunc.shim.ttrpc.proto.Request, Response, and the Status inside it (shim/src/main/proto/ttrpc).
 * Check it with {@code ./verify.sh lab06 --stretch}.
 */
public final class AnswerStretch implements Lab06.Stretch {

    @Override
    public Frame answer(Frame frame, Lab06.Handler handler) {
        // TODO(lab06): answer as containerd's ttrpc server does (the lab sends the same frames to the shim and
        //   compares): a client opens odd streams only; only requests are answered; data that is no Request is the
        //   client's error; the handler runs the method (a TtrpcException carries the code and message to send).
        //   A Response has a payload, or a status on failure (dev.jrunc.shim.ttrpc.Code has the numbers). And on
        //   success? Look at what the shim sends for State.
        return null;
    }

    @Override
    public Frame answerTooLarge(FrameTooLargeException e) {
        // TODO(lab06): the answer to a frame whose data was over 4 MiB (the reader read past it).
        return null;
    }
}
