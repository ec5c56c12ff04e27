package dev.jrunc.shim.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import dev.jrunc.shim.proto.bootstrap.BootstrapResult;

/**
 * What {@code start} prints: the shim's address, in the form the containerd that runs it reads best.
 *
 * <table>
 *   <caption>start's answer per containerd line</caption>
 *   <tr><th>containerd</th><th>reads</th><th>we print</th></tr>
 *   <tr><td>1.6</td><td>the output as an address, as is</td><td>{@link #PLAIN_ADDRESS}</td></tr>
 *   <tr><td>1.7</td><td>JSON {@code {"version":2,…}} (version 3 is refused), else a plain address</td><td>{@link #JSON_V2}</td></tr>
 *   <tr><td>2.0–2.2</td><td>JSON version 2 or 3, else a plain address</td><td>{@link #JSON_V3}</td></tr>
 *   <tr><td>2.3+</td><td>protobuf BootstrapResult, else JSON, else a plain address</td><td>{@link #BOOTSTRAP_RESULT_V3}</td></tr>
 * </table>
 * Version 3 means task API {@code containerd.task.v3.Task} (the daemon serves it beside v2) and lets containerd 2.x
 * send a pod's other containers to the sandbox's shim without running {@code start} again, so without another JVM.
 *
 * <p>The line is never guessed. 2.3+ says its version in BootstrapParams. 1.6 sets no GRPC_ADDRESS (1.7 and later
 * do). 1.7 and 2.0–2.2 start shims identically, so {@code start} asks containerd's Version service; if that gets no
 * answer, JSON version 2 is what every line that sets GRPC_ADDRESS accepts.
 */
enum BootstrapAnswer {
    PLAIN_ADDRESS,
    JSON_V2,
    JSON_V3,
    BOOTSTRAP_RESULT_V3;

    /** How long {@code start} waits for containerd's version before it settles for {@link #JSON_V2}. */
    static final Duration VERSION_DEADLINE = Duration.ofSeconds(2);

    /**
     * The form for this request. {@code askVersion} asks containerd (at its gRPC address) for its version; it is
     * called only when nothing else tells 1.7 from 2.x.
     */
    static BootstrapAnswer choose(StartRequest request, Function<String, Optional<String>> askVersion) {
        if (request.bootstrapParams()) {
            return BOOTSTRAP_RESULT_V3;
        }
        if (!request.grpcAddressInEnv()) {
            return PLAIN_ADDRESS;
        }
        Optional<Integer> major = askVersion.apply(request.grpcAddress()).flatMap(ContainerdVersion::major);
        return major.isPresent() && major.get() >= 2 ? JSON_V3 : JSON_V2;
    }

    /** The bytes {@code start} writes to stdout for {@code address} ({@code unix:///run/containerd/s/<hash>}). */
    byte[] render(String address) {
        return switch (this) {
            case PLAIN_ADDRESS -> address.getBytes(StandardCharsets.UTF_8);
            case JSON_V2 -> json(2, address);
            case JSON_V3 -> json(3, address);
            case BOOTSTRAP_RESULT_V3 -> BootstrapResult.newBuilder().setVersion(3).setAddress(address).setProtocol("ttrpc")
                    .build().toByteArray();
        };
    }

    /** The task API version containerd will speak to us after this answer (2 or 3). */
    int taskApiVersion() {
        return this == JSON_V3 || this == BOOTSTRAP_RESULT_V3 ? 3 : 2;
    }

    private static byte[] json(int version, String address) {
        String escaped = address.replace("\\", "\\\\").replace("\"", "\\\"");
        return ("{\"version\":" + version + ",\"address\":\"" + escaped + "\",\"protocol\":\"ttrpc\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
