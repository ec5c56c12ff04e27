package lab07_report_state.exercise;

import com.google.protobuf.Message;

import lab07_report_state.Lab07;

/**
 * Lab 07 stretch exercise: a publisher that outlives a containerd restart. Check it with
 * {@code ./verify.sh lab07 --stretch}.
 */
public final class RetryStretch implements Lab07.Stretch {
    private final Lab07.Forwarder forwarder;

    public RetryStretch(Lab07.Forwarder forwarder) {
        this.forwarder = forwarder;
    }

    // TODO(lab07): publish() is called from the shim's Task calls: it must return at once, containerd or not.
    //   Send the events in the order published, each with forwarder.forward(topic, event). When containerd is away
    //   (an IOException), try the same event again 1, 2, 3, 4 and then 5 s later, as the Go shim does, and give it
    //   up after that; events behind it wait their turn. A TtrpcException is containerd's refusal: do not retry.
    //   close() returns once everything queued is sent or given up.

    @Override
    public void publish(String topic, Message event) {
    }

    @Override
    public void close() {
    }
}
