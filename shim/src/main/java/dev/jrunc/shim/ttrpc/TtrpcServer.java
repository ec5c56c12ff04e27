package dev.jrunc.shim.ttrpc;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ttrpc server: accepts unix socket connections and serves each one with its own
 * {@link ServerConnection}. Threads: one accepting per listener, one reading per connection, and
 * one worker per call in flight.
 */
public final class TtrpcServer implements Closeable {

    private static final System.Logger LOG = System.getLogger("jrunc.ttrpc");

    private final Services services;
    private final PeerCredentials peers;
    /** Unbounded on purpose: every blocked call (Wait) holds a thread, and none may starve the others. */
    private final ExecutorService calls = Executors.newCachedThreadPool(new DaemonThreads("ttrpc-call"));
    /** One timer thread for all timeout_nano deadlines. */
    private final ScheduledThreadPoolExecutor deadlines =
            new ScheduledThreadPoolExecutor(1, new DaemonThreads("ttrpc-deadline"));
    private final ThreadFactory acceptThreads = new DaemonThreads("ttrpc-accept");
    private final ThreadFactory connectionThreads = new DaemonThreads("ttrpc-conn");
    private final Set<ServerSocketChannel> listeners = ConcurrentHashMap.newKeySet();
    private final Set<Thread> acceptors = ConcurrentHashMap.newKeySet();
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;

    public TtrpcServer(Services services) {
        this(services, PeerCredentials.ofThisProcess());
    }

    /** For tests: a server that believes it runs as someone else. */
    TtrpcServer(Services services, PeerCredentials peers) {
        this.services = services;
        this.peers = peers;
        // Most deadlines are cancelled because the call finished in time; don't keep them queued.
        deadlines.setRemoveOnCancelPolicy(true);
    }

    /**
     * Serves connections accepted from listener on a background (daemon) thread; returns at once.
     * May be called for several listeners. After {@link #close()} it closes the listener and throws.
     * The listener may be one this process inherited (fd 3 from {@code System.inheritedChannel()}),
     * so the server never assumes it created or bound it, and never deletes its socket file.
     */
    public void start(ServerSocketChannel listener) {
        listeners.add(listener);
        if (closed) { // checked after adding, so close() cannot miss a listener added concurrently
            closeQuietly(listener);
            throw new IllegalStateException("ttrpc server is closed");
        }
        Thread acceptor = acceptThreads.newThread(() -> {
            try {
                acceptLoop(listener);
            } finally {
                acceptors.remove(Thread.currentThread());
            }
        });
        acceptors.add(acceptor);
        acceptor.start();
    }

    private void acceptLoop(ServerSocketChannel listener) {
        try {
            listener.configureBlocking(true);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "ttrpc: cannot use listener: {0}", e.toString());
            return;
        }
        while (!closed) {
            SocketChannel socket;
            try {
                socket = listener.accept();
            } catch (ClosedChannelException e) {
                return; // closed by close(), or by whoever owns the listener
            } catch (IOException e) {
                // E.g. out of file descriptors. Waiting a little lets other connections end and free some.
                LOG.log(Level.WARNING, "ttrpc: accept failed: {0}", e.toString());
                pause();
                continue;
            }
            if (!peers.allows(socket)) {
                LOG.log(Level.WARNING, "ttrpc: refused a connection from another user");
                closeQuietly(socket);
                continue;
            }
            serve(socket);
        }
    }

    private void serve(SocketChannel socket) {
        ServerConnection connection = new ServerConnection(socket, services, calls, deadlines, inFlight);
        connections.add(connection);
        if (closed) {
            connection.close();
            connections.remove(connection);
            return;
        }
        connectionThreads.newThread(() -> {
            try {
                connection.serve();
            } finally {
                connections.remove(connection);
            }
        }).start();
    }

    /** How many calls have not finished yet (answered, or dropped past their deadline): tests wait on it. */
    int callsInFlight() {
        return inFlight.get();
    }

    /** How many clients are connected now. */
    public int connectionCount() {
        return connections.size();
    }

    /**
     * Graceful: stops accepting, lets the calls in flight answer (up to {@code grace}), then closes. The shim
     * uses it when containerd's Shutdown call itself is what ends the server: Shutdown's answer must still go out.
     */
    public void shutdown(java.time.Duration grace) {
        closed = true;
        for (ServerSocketChannel listener : listeners) {
            closeQuietly(listener);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        // answered means written: the writers send what the handlers have queued
        while ((inFlight.get() > 0 || !connections.stream().allMatch(ServerConnection::flushed)) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
    }

    /**
     * Stops accepting, closes the listener and every connection. Idempotent. Handlers still running
     * are not interrupted; they may finish, but their answers are dropped.
     */
    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel listener : listeners) {
            closeQuietly(listener);
        }
        awaitAcceptors();
        for (ServerConnection connection : connections) {
            connection.close();
        }
        calls.shutdown();
        deadlines.shutdownNow();
    }

    /**
     * A listener closed while another thread is blocked in its accept() stays open in the kernel
     * until that thread wakes up, and meanwhile new clients still get connected. Waiting (briefly)
     * for the accept threads to leave makes "closed" mean "refuses new connections" once close()
     * returns. Connections accepted in that window are closed by serve(), which sees the flag.
     */
    private void awaitAcceptors() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (Thread acceptor : acceptors) {
            long millisLeft = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (acceptor == Thread.currentThread() || millisLeft <= 0) {
                continue;
            }
            try {
                acceptor.join(millisLeft);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
