package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.jrunc.shim.bundle.RuntimeOptions;
import dev.jrunc.shim.proto.bootstrap.BootstrapParams;
import dev.jrunc.shim.proto.bootstrap.Extension;
import dev.jrunc.shim.proto.bootstrap.LogLevel;
import dev.jrunc.shim.proto.runc.Options;

/**
 * Everything containerd told {@code start}, whichever way its line tells it:
 * <ul>
 *   <li>containerd 1.6–2.2: flags ({@code -id}, {@code -namespace}, {@code -address}, {@code -debug}), the environment
 *       ({@code TTRPC_ADDRESS}; from 1.7 also {@code GRPC_ADDRESS}, {@code NAMESPACE}) and, on stdin, the runtime
 *       options as a bare {@code google.protobuf.Any} (or nothing);</li>
 *   <li>containerd 2.3+: the same flags and environment (said to go away), and on stdin a protobuf
 *       {@code BootstrapParams} carrying all of it, its own version, the socket folder, and the runtime options as
 *       one of its extensions. Where both say something, BootstrapParams wins.</li>
 * </ul>
 *
 * @param containerdVersion the version containerd gave in BootstrapParams (2.3+), empty before
 * @param bootstrapParams   whether stdin held BootstrapParams (so containerd reads a BootstrapResult first)
 * @param grpcAddressInEnv  whether containerd set GRPC_ADDRESS (1.7 and later do; 1.6 does not)
 */
record StartRequest(String id, String namespace, String grpcAddress, String ttrpcAddress, boolean debug, Path socketDir,
                    Options options, Optional<String> containerdVersion, boolean bootstrapParams,
                    boolean grpcAddressInEnv) {

    /** Where shims listen unless containerd (2.3+) says otherwise; containerd 1.6–2.2 hard-code it. */
    static final Path DEFAULT_SOCKET_DIR = Path.of("/run/containerd/s");

    static StartRequest read(ShimFlags flags, Map<String, String> env, byte[] stdin) throws IOException {
        String ttrpc = env.getOrDefault("TTRPC_ADDRESS", "");
        String grpcInEnv = env.getOrDefault("GRPC_ADDRESS", "");
        String grpc = flags.address().isEmpty() ? grpcInEnv : flags.address();
        Optional<BootstrapParams> params = bootstrapParams(stdin);
        if (params.isEmpty()) {
            Options options = stdin.length == 0 ? Options.getDefaultInstance() : optionsFrom(stdin);
            return new StartRequest(flags.id(), flags.namespace(), grpc, ttrpc, flags.debug(), DEFAULT_SOCKET_DIR,
                    options, Optional.empty(), false, !grpcInEnv.isEmpty());
        }
        BootstrapParams p = params.get();
        Options options = Options.getDefaultInstance();
        for (Extension extension : p.getExtensionsList()) {
            if (RuntimeOptions.knows(extension.getValue())) {
                options = RuntimeOptions.from(extension.getValue());
                break;
            }
        }
        return new StartRequest(
                or(p.getInstanceId(), flags.id()),
                or(p.getNamespace(), flags.namespace()),
                or(p.getContainerdGrpcAddress(), grpc),
                or(p.getContainerdTtrpcAddress(), ttrpc),
                flags.debug() || p.getLogLevelValue() <= LogLevel.LOG_LEVEL_DEBUG_VALUE,
                p.hasSocketDir() && !p.getSocketDir().isEmpty() ? Path.of(p.getSocketDir()) : DEFAULT_SOCKET_DIR,
                options,
                Optional.of(p.getContainerdVersion()).filter(v -> !v.isEmpty()),
                true,
                !grpcInEnv.isEmpty());
    }

    /** The flags the daemon is started with (as the Go shim's: {@code -namespace NS -id ID -address ADDR [-debug]}). */
    ShimFlags daemonFlags() {
        return new ShimFlags(namespace, grpcAddress, id, "", "", debug);
    }

    /**
     * BootstrapParams, if that is what stdin holds. A bare Any parses as BootstrapParams too (both begin with a
     * string field 1, and its field 2 may read as a namespace), so only fields an Any cannot have (3 and up:
     * containerd's version, its addresses, the extensions, …) make it BootstrapParams. containerd 2.3 always
     * sends its version and addresses.
     */
    private static Optional<BootstrapParams> bootstrapParams(byte[] stdin) {
        if (stdin.length == 0) {
            return Optional.empty();
        }
        try {
            BootstrapParams p = BootstrapParams.parseFrom(stdin);
            boolean beyondAnAny = p.getLogLevelValue() != 0 || !p.getContainerdVersion().isEmpty()
                    || !p.getContainerdTtrpcAddress().isEmpty() || !p.getContainerdGrpcAddress().isEmpty()
                    || !p.getContainerdBinary().isEmpty() || p.getExtensionsCount() > 0 || p.hasSocketDir();
            return beyondAnAny ? Optional.of(p) : Optional.empty();
        } catch (InvalidProtocolBufferException notBootstrapParams) {
            return Optional.empty();
        }
    }

    private static Options optionsFrom(byte[] stdin) throws IOException {
        Any any;
        try {
            any = Any.parseFrom(stdin);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("stdin holds neither runtime options (a protobuf Any) nor BootstrapParams: " + e.getMessage(), e);
        }
        return RuntimeOptions.from(any);
    }

    private static String or(String preferred, String fallback) {
        return preferred.isEmpty() ? fallback : preferred;
    }
}
