package dev.jrunc.shim.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Learns that containerd is gone without asking it anything: holds a connection open to containerd's ttrpc socket
 * (the one events go to, {@code TTRPC_ADDRESS}) and never writes on it. containerd never writes to a client that
 * sends nothing, so the only thing a read can return is the end: the kernel closes containerd's side when
 * containerd exits, however it exits (a SIGKILL too; a zombie containerd holds no sockets), and a containerd that
 * stops gracefully closes its idle connections. No polling, and a pid that gets reused cannot fool it.
 *
 * <p>After each loss it reports, and unless told to stop, connects again (a restarted containerd listens on the
 * same path), every {@link #RETRY} while nobody answers, reporting each failed attempt too. Until it has reached
 * containerd once, it only keeps trying: a containerd that was never there cannot be gone.
 */
final class ContainerdWatch {
    static final Duration RETRY = Duration.ofSeconds(1);
    private static final System.Logger LOG = System.getLogger("jrunc.shim");

    private ContainerdWatch() {
    }

    /**
     * Starts watching on a daemon thread.
     *
     * @param gone called each time containerd is found gone; returns whether to keep watching
     */
    static void start(String ttrpcAddress, BooleanSupplier gone) {
        Path socket = Path.of(ShimSocket.stripScheme(ttrpcAddress));
        Thread thread = new Thread(() -> watch(socket, gone), "containerd-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private static void watch(Path socket, BooleanSupplier gone) {
        boolean wasConnected = false;
        while (true) {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(socket));
                if (wasConnected) {
                    LOG.log(System.Logger.Level.INFO, "containerd at {0} answers again", socket);
                }
                wasConnected = true;
                ByteBuffer discard = ByteBuffer.allocate(256);
                while (channel.read(discard) >= 0) {
                    discard.clear();   // not expected; containerd has nothing to say to a silent client
                }
                LOG.log(System.Logger.Level.INFO, "containerd at {0} is gone", socket);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "containerd at {0} does not answer: {1}", socket, e.getMessage());
            }
            // Never reached (a shim run by hand with an address nobody serves): nothing is known to be gone.
            if (wasConnected && !gone.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(RETRY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
