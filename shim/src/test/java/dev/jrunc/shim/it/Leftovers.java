package dev.jrunc.shim.it;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.Testkit;

/**
 * What a container can leave behind once containerd says it is gone: processes, runc's state, the bundle, mounts,
 * the shim's socket. {@link #of} looks at all of them; {@link #none()} says whether nothing is left.
 */
record Leftovers(List<Long> livePids, boolean runcState, boolean bundle, List<String> mounts, String socket) {

    /** A socket file nobody listens on: the shim died without removing it. */
    static final String STALE = "stale";
    static final String LISTENING = "listening";
    static final String ABSENT = "absent";

    /**
     * @param pids the container's processes (init, execs) and its shim, as recorded while they ran
     * @param socket the shim's socket path
     */
    static Leftovers of(Containerd containerd, String id, List<Long> pids, Path socket) {
        List<Long> live = new ArrayList<>();
        for (long pid : pids) {
            if (Testkit.isAlive(pid)) {
                live.add(pid);
            }
        }
        return new Leftovers(live, Files.exists(runcState(containerd, id)), Files.exists(containerd.bundle(id)),
                Testkit.mountsUnder(containerd.stateDir()), socketState(socket));
    }

    static Path runcState(Containerd containerd, String id) {
        return Path.of("/run/containerd/runc", containerd.namespace(), id);
    }

    /** {@link #ABSENT}, {@link #STALE} (the file is there, connecting is refused) or {@link #LISTENING}. */
    static String socketState(Path socket) {
        if (!Files.exists(socket)) {
            return ABSENT;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return LISTENING;
        } catch (IOException refused) {
            return STALE;
        }
    }

    /** Nothing at all, apart from (optionally) a socket file that nobody listens on. */
    boolean none(boolean staleSocketAllowed) {
        boolean socketOk = socket.equals(ABSENT) || staleSocketAllowed && socket.equals(STALE);
        return livePids.isEmpty() && !runcState && !bundle && mounts.isEmpty() && socketOk;
    }

    @Override
    public String toString() {
        return "live processes " + livePids + ", runc state " + (runcState ? "left" : "gone") + ", bundle "
                + (bundle ? "left" : "gone") + ", mounts " + mounts + ", shim socket " + socket;
    }
}
