package dev.jrunc.shim.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where a shim listens: {@code /run/containerd/s/<sha256 of "<containerd address>/<namespace>/<group>">}.
 *
 * <p>Hashing containerd's own address in means two containerds on one machine never share a shim; hashing
 * the group (not the container id) means every container of a group or pod finds the same shim.
 */
final class ShimSocket {
    /** containerd 1.6–2.2 hard-code this directory, whatever their own state dir is (2.3 lets it be configured). */
    static final Path DIRECTORY = Path.of("/run/containerd/s");

    private ShimSocket() {
    }

    static Path path(String containerdAddress, String namespace, String group) {
        return path(DIRECTORY, containerdAddress, namespace, group);
    }

    /** In another folder: containerd 2.3+ may name one (BootstrapParams.socket_dir). */
    static Path path(Path directory, String containerdAddress, String namespace, String group) {
        String key = Path.of(stripScheme(containerdAddress), namespace, group).normalize().toString();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return directory.resolve(HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String address(Path socket) {
        return "unix://" + socket;
    }

    static String stripScheme(String address) {
        return address.startsWith("unix://") ? address.substring("unix://".length()) : address;
    }
}
