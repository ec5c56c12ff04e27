package dev.jrunc.shim.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When the shared shim ends. A per-pod shim ends when containerd's Shutdown finds it without containers; the
 * shared one ignores that (the namespace's next container would pay for a new JVM) and instead ends:
 * <ul>
 *   <li>once its namespace has had no task for the <em>linger</em> period — warm between pods, gone from an idle
 *       node; {@value #LINGER_VARIABLE} sets it (default {@link #DEFAULT_LINGER}); and</li>
 *   <li>at once when the containerd that started it is gone while it serves no task: nothing would ever come
 *       back to it (a restarted containerd starts a new shim for its next container).</li>
 * </ul>
 * With a task it never ends on its own, whatever containerd does: a containerd restart must find the task's shim.
 *
 * <p>"No task" also needs no client connected: containerd dials a shim the moment {@code start} printed its
 * address, before Create makes the task. Ending then would fail that container, so the check waits.
 */
final class SharedLifetime {
    static final String LINGER_VARIABLE = "JRUNC_SHARED_LINGER";
    /**
     * Long enough to keep the JVM for the next pod of a busy node and through a crash-looping container's first
     * restarts (kubelet waits 10, 20, then 40 s); short enough that an idle node gets its memory back within a minute.
     */
    static final Duration DEFAULT_LINGER = Duration.ofSeconds(60);
    /** How soon to look again when a client was connected at the end of the linger. */
    private static final Duration RECHECK = Duration.ofSeconds(1);
    private static final System.Logger LOG = System.getLogger("jrunc.shim");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private final Duration linger;
    private final BooleanSupplier hasTasks;
    private final BooleanSupplier hasClients;
    private final Runnable exit;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "shared-lifetime");
        thread.setDaemon(true);
        return thread;
    });
    private ScheduledFuture<?> lingerEnd;
    private boolean exiting;

    /**
     * @param hasTasks   whether the shim serves a task (a container not deleted yet)
     * @param hasClients whether anyone is connected to the shim's socket
     * @param exit       ends the shim (the same path as SIGTERM: withdraw, stop serving, remove the socket)
     */
    SharedLifetime(Duration linger, BooleanSupplier hasTasks, BooleanSupplier hasClients, Runnable exit) {
        this.linger = linger;
        this.hasTasks = hasTasks;
        this.hasClients = hasClients;
        this.exit = exit;
    }

    /** A task was created or deleted. Also called once at start: a shim whose first Create never came must end too. */
    synchronized void tasksChanged() {
        if (hasTasks.getAsBoolean()) {
            cancelLinger();
        } else if (lingerEnd == null && !exiting) {
            lingerEnd = timer.schedule(this::lingerOver, linger.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * containerd stopped answering (its connection closed, or it refuses ours).
     *
     * @return whether to keep watching for it: false once the shim is ending
     */
    synchronized boolean containerdGone() {
        if (exiting) {
            return false;
        }
        if (hasTasks.getAsBoolean()) {
            return true;   // a restarted containerd reconnects to its tasks through this shim
        }
        end("containerd is gone and the shared shim serves no task");
        return false;
    }

    private synchronized void lingerOver() {
        lingerEnd = null;
        if (exiting || hasTasks.getAsBoolean()) {
            return;
        }
        if (hasClients.getAsBoolean()) {
            lingerEnd = timer.schedule(this::lingerOver, RECHECK.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        end("no task in the namespace for " + describe(linger));
    }

    private void end(String why) {
        exiting = true;
        cancelLinger();
        LOG.log(System.Logger.Level.INFO, "the shared shim ends: " + why);
        exit.run();
    }

    private void cancelLinger() {
        if (lingerEnd != null) {
            lingerEnd.cancel(false);
            lingerEnd = null;
        }
    }

    /**
     * The linger from {@value #LINGER_VARIABLE}: {@code 90}, {@code 90s}, {@code 1500ms}, {@code 2m}, {@code 1h};
     * {@code 0} ends the shim as soon as its last task is deleted, as a per-pod shim. Unset or unreadable: the default
     * (the shim says so in its log rather than refusing to run).
     */
    static Duration linger(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_LINGER;
        }
        Matcher m = DURATION.matcher(value.strip().toLowerCase(Locale.ROOT));
        try {
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                Duration linger = switch (unit) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofSeconds(amount);
                };
                linger.toMillis();   // the timer counts in milliseconds: a linger beyond that is no duration
                return linger;
            }
        } catch (ArithmeticException | NumberFormatException tooLong) {
            // falls through to the warning
        }
        LOG.log(System.Logger.Level.WARNING, LINGER_VARIABLE + "=" + value + " is not a duration such as 60s; using "
                + describe(DEFAULT_LINGER));
        return DEFAULT_LINGER;
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
