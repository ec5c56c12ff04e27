package dev.jrunc.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A shim binary run the way containerd 1.6 runs it: cwd = the bundle, stdin empty, stdout and stderr read together,
 * {@code -namespace -address -publish-binary -id} before the action word, and containerd's environment additions
 * (TTRPC_ADDRESS for events, GOMAXPROCS=4, as a Go shim's /proc/PID/environ shows).
 */
final class ShimBinary {
    /** Compiled into containerd 1.6 and every shim: where shim sockets live. */
    static final Path SOCKET_DIR = Path.of("/run/containerd/s");
    /** Where our shims advertise their pid (cli/Advertisement.java), so that the launcher can skip the JVM. */
    static final Path SHARED_PID_DIR = Path.of("/run/jrunc-shim");
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Config config;
    private final Mode mode;

    ShimBinary(Config config, Mode mode) {
        this.config = config;
        this.mode = mode;
    }

    /** {@code start}: spawns (or finds) the shim daemon and prints its address. */
    Cmd.Result start(Path bundle, String address, String ns, String id) {
        return Cmd.run(command(address, ns, id, List.of("start")), bundle, environment(address), TIMEOUT);
    }

    /** {@code delete}: containerd's clean-up after a shim that is gone; prints a DeleteResponse. */
    Cmd.Result delete(Path bundle, String address, String ns, String id) {
        return Cmd.run(command(address, ns, id, List.of("-bundle", bundle.toString(), "delete")), bundle,
                environment(address), TIMEOUT);
    }

    private List<String> command(String address, String ns, String id, List<String> tail) {
        List<String> command = new java.util.ArrayList<>(List.of(mode.binary(config).toString(),
                "-namespace", ns, "-address", address, "-publish-binary", "/usr/bin/containerd", "-id", id));
        command.addAll(tail);
        return command;
    }

    private Map<String, String> environment(String address) {
        return Map.of("TTRPC_ADDRESS", address + ".ttrpc", "GOMAXPROCS", "4",
                "PATH", config.shimDir() + ":" + Config.SYSTEM_PATH);
    }

    /** The socket {@code start} will use: sha256 of "address/namespace/group" (containerd's SocketAddress). */
    static Path socketFor(String address, String ns, String group) {
        return SOCKET_DIR.resolve(sha256(address + "/" + ns + "/" + group));
    }

    static Path sharedPidFile(Path socket) {
        return SHARED_PID_DIR.resolve(socket.getFileName() + ".pid");
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
