package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Drill: containers exit while containerd is away for about 10 s (12 s from its SIGKILL to the door opening); their /tasks/exit events must all arrive once it
 * is back, in the order they happened. One shared shim runs them all, so one event queue carries them.
 *
 * <p>Being honest about "arrive" needs care: containerd keeps no events, it hands each forwarded event to the
 * subscribers connected at that moment. A {@code ctr events} started after the restart could connect after the
 * shim's retry and see nothing — or, if the shim's retry came late, see everything by luck. So the drill gates the
 * door: containerd comes back listening for events on another path, the subscriber connects and proves it receives
 * (a probe event), and only then the shims' path is linked to the new socket. Every exit the subscriber then sees was
 * held by the shim through the whole outage.
 */
@WithPrivateContainerd(name = "it-drill-events", namespace = "drill-events")
class DrillEventsOutageIT {
    private static final String SHARED = "io.containerd.jrunc-shared.v2";
    private static final String[] TERMINABLE = {"sh", "-c", "trap 'exit 143' TERM; sleep 600 & wait"};
    private static final int CONTAINERS = 4;
    /** From containerd's SIGKILL to the door opening; the exits happen in the first second or so of it. */
    private static final long OUTAGE_MILLIS = 12_000;

    @Test
    void exitsDuringAnOutageArriveAfterItInOrder(Containerd containerd) throws Exception {
        DrillReport report = DrillReport.start("events-during-containerd-outage");
        List<String> ids = new ArrayList<>();
        List<Long> inits = new ArrayList<>();
        for (int i = 1; i <= CONTAINERS; i++) {
            String id = "ev-" + i;
            containerd.runBusyboxDetached(SHARED, id, TERMINABLE).assertOk();
            ids.add(id);
            inits.add(Procs.taskPid(containerd, id));
        }
        long shim = Procs.ppid(inits.get(0));
        assertTrue(inits.stream().allMatch(pid -> Procs.ppid(pid) == shim), "one shared shim runs all " + CONTAINERS);

        long killedAt = System.nanoTime();
        containerd.kill9();
        for (long init : inits) {   // one after the other, so that their order is well defined
            ProcessHandle.of(init).orElseThrow().destroy();
            Procs.await("init " + init + " exited", () -> !kit.Procs.alive(init));
            Thread.sleep(200);
        }
        long lastExit = DrillReport.millisSince(killedAt);

        Path shimsPath = Path.of(containerd.ttrpcAddress());
        Path gated = Path.of(containerd.ttrpcAddress() + ".gated");
        moveEventSocket(containerd, gated);
        Thread.sleep(Math.max(0, OUTAGE_MILLIS - 3000 - DrillReport.millisSince(killedAt)));
        containerd.restart();

        Path events = containerd.dir().resolve("outage-events.txt");
        Process subscriber = containerd.ctrInBackground(events, "events");
        awaitSubscribed(containerd, events);
        Thread.sleep(Math.max(0, OUTAGE_MILLIS - DrillReport.millisSince(killedAt)));
        Files.createSymbolicLink(shimsPath, gated);   // the door opens: the shim's next retry gets through
        long outage = DrillReport.millisSince(killedAt);
        long opened = System.nanoTime();
        // The shim retries each event for up to 15 s: past that, whatever has not arrived never will.
        boolean all = awaitUpTo(20_000, () -> exitLines(events).size() >= CONTAINERS);
        long delivered = DrillReport.millisSince(opened);
        Thread.sleep(500);   // anything extra (a duplicate) would show up now
        subscriber.destroy();

        List<String> exits = exitLines(events);
        List<String> order = exits.stream().map(DrillEventsOutageIT::containerId).toList();
        report.line("%d containers of one shared shim exited %d..%d ms into the outage", CONTAINERS, 0, lastExit);
        report.line("containerd unreachable for the shim for %d ms; %s %d ms after it was reachable again", outage,
                all ? "all exits arrived" : "still missing exits", delivered);
        report.line("arrival order %s (exit order %s), statuses %s", order, ids,
                exits.stream().map(l -> l.replaceAll(".*\"exit_status\":(\\d+).*", "$1")).toList());
        assertEquals(ids, order, "every exit arrived once, in the order the containers exited");
        assertTrue(exits.stream().allMatch(l -> l.contains("\"exit_status\":143")), exits.toString());

        for (String id : ids) {
            // 1.6 keeps the stopped tasks; 1.7 and 2.x delete them when they reload a shim that has no pids for them
            // (containerd#6860), after the exits above were delivered.
            assertEquals(Testkit.containerdAtLeast(1, 7) ? "" : "STOPPED", Procs.taskStatus(containerd, id));
            containerd.ctr("task", "rm", id);
            containerd.ctr("container", "rm", id).assertOk();
        }
    }

    /**
     * containerd's next start listens for events on {@code gated} instead of the path the running shim knows; the
     * socket file the killed containerd left there goes, so the shim's retries find nothing until the door opens.
     */
    private static void moveEventSocket(Containerd containerd, Path gated) throws Exception {
        Path config = containerd.dir().resolve("config.toml");
        String toml = Files.readString(config);
        String current = "address = \"" + containerd.ttrpcAddress() + "\"";
        assertTrue(toml.contains(current), "the fixture's config names the ttrpc address: " + toml);
        Files.writeString(config, toml.replace(current, "address = \"" + gated + "\""));
        Files.deleteIfExists(Path.of(containerd.ttrpcAddress()));
    }

    /** The subscriber receives: a namespace created now shows up in its output. */
    private static void awaitSubscribed(Containerd containerd, Path events) throws Exception {
        Procs.await("ctr events receives", () -> {
            containerd.ctr("namespaces", "create", "drill-probe");
            containerd.ctr("namespaces", "remove", "drill-probe");
            return Containerd.readFile(events).contains("/namespaces/create");
        });
    }

    private static boolean awaitUpTo(long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    private static List<String> exitLines(Path events) {
        return Containerd.readFile(events).lines().filter(l -> l.contains(" /tasks/exit ")).toList();
    }

    private static String containerId(String line) {
        return line.replaceAll(".*\"container_id\":\"([^\"]+)\".*", "$1");
    }
}
