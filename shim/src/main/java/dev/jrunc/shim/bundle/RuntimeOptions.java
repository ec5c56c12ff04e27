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
 *       {@code SystemdCgroup = true}, …); or, from CRI 1.7 on when the handler names no file, that TOML inline
 *       (config_body: the handler's {@code options} table).</li>
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
                if (!runtimeOptions.getConfigPath().isEmpty()) {
                    return fromToml(Files.readAllLines(Path.of(runtimeOptions.getConfigPath())));
                }
                return fromToml(runtimeOptions.getConfigBody().toStringUtf8().lines().toList());
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("invalid runtime options " + type + ": " + e.getMessage(), e);
        }
        return Options.getDefaultInstance();
    }

    private static boolean is(String typeUrl, String name) {
        return typeUrl.equals(name) || typeUrl.endsWith("/" + name);
    }

    /**
     * The flat {@code Key = value} lines of a runtime config file (comments, tables and unknown keys ignored —
     * it is TOML, but we only ever need these few scalars).
     */
    static Options fromToml(List<String> lines) {
        Options.Builder options = Options.newBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            int equals = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("[") || equals < 0) {
                continue;
            }
            String key = line.substring(0, equals).strip();
            String value = unquote(line.substring(equals + 1).strip());
            switch (key) {
                case "BinaryName" -> options.setBinaryName(value);
                case "Root" -> options.setRoot(value);
                case "SystemdCgroup" -> options.setSystemdCgroup(Boolean.parseBoolean(value));
                case "NoPivotRoot" -> options.setNoPivotRoot(Boolean.parseBoolean(value));
                case "NoNewKeyring" -> options.setNoNewKeyring(Boolean.parseBoolean(value));
                case "ShimCgroup" -> options.setShimCgroup(value);
                case "IoUid" -> options.setIoUid(Integer.parseInt(value));
                case "IoGid" -> options.setIoGid(Integer.parseInt(value));
                case "CriuPath" -> options.setCriuPath(value);
                default -> {
                    // not one of runc's options
                }
            }
        }
        return options.build();
    }

    private static String unquote(String value) {
        int comment = value.startsWith("\"") ? -1 : value.indexOf('#');
        String v = comment >= 0 ? value.substring(0, comment).strip() : value;
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
