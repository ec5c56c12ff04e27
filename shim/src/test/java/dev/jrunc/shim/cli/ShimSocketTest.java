package dev.jrunc.shim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ShimSocketTest {

    /** Observed on containerd 1.6.20: the runc-v2 shim of group rs1 in namespace rsrch listened here. */
    @Test
    void hashesAddressNamespaceAndGroupLikeContainerd() {
        Path socket = ShimSocket.path("/run/containerd/containerd.sock", "rsrch", "rs1");
        assertEquals("/run/containerd/s/" + sha256("/run/containerd/containerd.sock/rsrch/rs1"), socket.toString());
        assertEquals(82, socket.toString().length(), "18 + 64 bytes, far below the 108-byte sun_path limit");
        assertEquals("unix://" + socket, ShimSocket.address(socket));
    }

    @Test
    void cleansThePathAsGosFilepathJoinDoes() {
        assertEquals(ShimSocket.path("/run/containerd/containerd.sock", "ns", "g"),
                ShimSocket.path("unix:///run//containerd/containerd.sock/", "ns", "g"));
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
