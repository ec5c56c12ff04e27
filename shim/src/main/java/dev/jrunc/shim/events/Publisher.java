package dev.jrunc.shim.events;

import com.google.protobuf.Message;

/** Hands task events to containerd. Events are delivered in the order they are published. */
public interface Publisher extends AutoCloseable {

    void publish(String topic, Message event);

    /** Waits (bounded) for queued events to go out, then disconnects. */
    @Override
    void close();

    /** For a shim run without containerd (TTRPC_ADDRESS unset), e.g. in a lab: events are only logged. */
    static Publisher logging() {
        System.Logger log = System.getLogger("jrunc.events");
        return new Publisher() {
            @Override
            public void publish(String topic, Message event) {
                log.log(System.Logger.Level.INFO, "event {0} {1}", topic, event.getDescriptorForType().getFullName());
            }

            @Override
            public void close() {
            }
        };
    }
}
