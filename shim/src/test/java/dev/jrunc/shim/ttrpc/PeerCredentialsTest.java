package dev.jrunc.shim.ttrpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import jdk.net.UnixDomainPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerCredentialsTest {

    private static final UserPrincipalLookupService LOOKUP = FileSystems.getDefault().getUserPrincipalLookupService();

    // Numeric names that no passwd entry has resolve to those ids, so any test machine can make them.
    private static UserPrincipal user(int uid) throws Exception {
        return LOOKUP.lookupPrincipalByName(Integer.toString(uid));
    }

    private static GroupPrincipal group(int gid) throws Exception {
        return LOOKUP.lookupPrincipalByGroupName(Integer.toString(gid));
    }

    @Test
    void comparesUserAndGroup() throws Exception {
        PeerCredentials check = new PeerCredentials(user(4242), group(4343));

        assertTrue(check.allows(new UnixDomainPrincipal(user(4242), group(4343))));
        assertFalse(check.allows(new UnixDomainPrincipal(user(4244), group(4343))));
        assertFalse(check.allows(new UnixDomainPrincipal(user(4242), group(4344))));
    }

    @Test
    void unknownGroupComparesUserOnly() throws Exception {
        PeerCredentials check = new PeerCredentials(user(4242), null);

        assertTrue(check.allows(new UnixDomainPrincipal(user(4242), group(1))));
        assertFalse(check.allows(new UnixDomainPrincipal(user(4244), group(1))));
    }

    @Test
    void readsTheRealPeerOfAUnixSocket(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("peer.sock"));
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address);
                SocketChannel client = SocketChannel.open(address);
                SocketChannel accepted = listener.accept()) {

            assertTrue(PeerCredentials.ofThisProcess().allows(accepted), "we are the same user as ourselves");
            assertFalse(new PeerCredentials(user(4242), null).allows(accepted), "a server running as uid 4242");
        }
    }
}
