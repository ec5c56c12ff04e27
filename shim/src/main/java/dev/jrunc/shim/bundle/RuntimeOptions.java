package dev.jrunc.shim.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.jrunc.shim.proto.runc.Options;

/**
 * The shim's options, from whichever form containerd sends them in:
 * <ul>
 *   <li>{@code containerd.runc.v1.Options} — what ctr and CRI send to runc-type runtimes (and CRI sends to any
 *       handler whose runtime_type is io.containerd.runc.v2 with a runtime_path pointing at us);</li>
 *   <li>{@code runtimeoptions.v1.Options} — what CRI sends to any other runtime type (our
 *       io.containerd.jrunc.v2) and what {@code ctr run --runtime-config-path} sends: a path to a TOML
 *       file, in which we read runc's options by their Go names ({@code BinaryName = "/usr/bin/runc"},
 *       {@code SystemdCgroup = true}, …: {@link RuncOptionsToml}, which refuses what it does not understand);
 *       or, from CRI 1.7 on when the handler names no file, that TOML inline (config_body: the handler's
 *       {@code options} table).</li>
 * </ul>
 * Anything else carries nothing for us and means the defaults.
 */
public final class RuntimeOptions {
    private static final String RUNC_OPTIONS = "containerd.runc.v1.Options";
    private static final String RUNTIME_OPTIONS = "runtimeoptions.v1.Options";

    private RuntimeOptions() {
    }

    /** Whether {@code any} is one of the two forms above (containerd 2.3 puts options among other extensions). */
    public static boolean knows(Any any) {
        return is(any.getTypeUrl(), RUNC_OPTIONS) || is(any.getTypeUrl(), RUNTIME_OPTIONS);
    }

    public static Options from(Any any) throws IOException {
        String type = any.getTypeUrl();
        try {
            if (is(type, RUNC_OPTIONS)) {
                return Options.parseFrom(any.getValue());
            }
            if (is(type, RUNTIME_OPTIONS)) {
                var runtimeOptions = dev.jrunc.shim.proto.runtimeoptions.Options.parseFrom(any.getValue());
                String path = runtimeOptions.getConfigPath();
                if (!path.isEmpty()) {
                    return RuncOptionsToml.parse(Files.readAllLines(Path.of(path)), path);
                }
                return RuncOptionsToml.parse(runtimeOptions.getConfigBody().toStringUtf8().lines().toList(),
                        "the runtime options' config_body");
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("invalid runtime options " + type + ": " + e.getMessage(), e);
        }
        return Options.getDefaultInstance();
    }

    private static boolean is(String typeUrl, String name) {
        return typeUrl.equals(name) || typeUrl.endsWith("/" + name);
    }
}
