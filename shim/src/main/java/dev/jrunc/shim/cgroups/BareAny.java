package dev.jrunc.shim.cgroups;

import com.google.protobuf.Any;
import com.google.protobuf.Message;

/**
 * Packs a message into an Any the way containerd 1.6 reads it: the type URL is the bare full name
 * ({@code io.containerd.cgroups.v1.Metrics}). {@code Any.pack} would write
 * {@code type.googleapis.com/io.containerd.cgroups.v1.Metrics}, which containerd's typeurl registry does not
 * know, and {@code ctr task metrics} would fail to decode it.
 */
final class BareAny {

    private BareAny() {
    }

    static Any pack(Message message) {
        return Any.newBuilder()
                .setTypeUrl(message.getDescriptorForType().getFullName())
                .setValue(message.toByteString())
                .build();
    }
}
