package dev.jrunc.shim.ttrpc;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Admits only peers that run as this process's own user and group, like the Go shim's
 * {@code ttrpc.UnixSocketRequireSameUser}. The kernel reports who is on the other end of a unix
 * socket (SO_PEERCRED), so a client cannot lie about it.
 *
 * <p>Principals are compared with {@code equals}, which for the JDK's unix principals compares the
 * numeric ids. Comparing names would fail for a uid without a passwd entry, where the JDK calls
 * us "?" but the peer by its number.
 */
final class PeerCredentials {

    private static final System.Logger LOG = System.getLogger("jrunc.ttrpc");

    /** null when we could not find out who we are; then every peer is admitted. */
    private final UserPrincipal ownUser;
    /** null when our group is unknown; then only the user is compared. */
    private final GroupPrincipal ownGroup;

    PeerCredentials(UserPrincipal ownUser, GroupPrincipal ownGroup) {
        this.ownUser = ownUser;
        this.ownGroup = ownGroup;
    }

    /**
     * Who this process runs as. On Linux the owner of a process's /proc entry is its effective uid
     * and gid, exactly what Go's check uses; elsewhere fall back to the user.name property.
     */
    static PeerCredentials ofThisProcess() {
        try {
            PosixFileAttributes self = Files.readAttributes(Path.of("/proc/self"), PosixFileAttributes.class);
            return new PeerCredentials(self.owner(), self.group());
        } catch (IOException | UnsupportedOperationException | SecurityException noProcfs) {
            // fall through
        }
        try {
            String name = System.getProperty("user.name");
            return new PeerCredentials(
                    FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name), null);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.WARNING, "ttrpc: cannot tell which user this process runs as; peer check disabled");
            return new PeerCredentials(null, null);
        }
    }

    /** Whether the process on the other end of this accepted connection may use the server. */
    boolean allows(SocketChannel connection) {
        UnixDomainPrincipal peer;
        try {
            peer = connection.getOption(ExtendedSocketOptions.SO_PEERCRED);
        } catch (UnsupportedOperationException | IOException unknowable) {
            // A platform that cannot tell us who connected gets the benefit of the doubt, as in Go.
            return true;
        }
        return allows(peer);
    }

    boolean allows(UnixDomainPrincipal peer) {
        boolean sameUser = ownUser == null || ownUser.equals(peer.user());
        boolean sameGroup = ownGroup == null || ownGroup.equals(peer.group());
        return sameUser && sameGroup;
    }
}
