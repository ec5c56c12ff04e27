package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.proto.task.StateResponse;
import dev.jrunc.shim.proto.types.Status;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Drill: containers exit while the shim cannot reach containerd, and stay unreported for about 8 s; their
 * /tasks/exit events must all arrive once containerd is reachable again, in the order they happened. One shared
 * shim runs them all, so one event queue carries them.
 *
 * <p>Being honest about "arrive" needs care: containerd keeps no events, it hands each forwarded event to the
 * subscribers connected at that moment. A {@code ctr events} started after the restart could connect after the
 * shim's retry and see nothing — or, if the shim's retry came late, see everything by luck. So the drill gates the
 * door: containerd is killed and comes back listening for events on another path, the subscriber connects and
 * proves it receives (a probe event), then the containers exit, and only after that the shims' path is linked to the
 * new socket. Every exit the subscriber then sees was held by the shim through the outage.
 */
@WithPrivateContainerd(name = "it-drill-events", namespace = "drill-events")
class DrillEventsOutageIT {
    private static final String SHARED = "io.containerd.jrunc-shared.v2";
    private static final String[] TERMINABLE = {"sh", "-c", "trap 'exit 143' TERM; sleep 600 & wait"};
    private static final int CONTAINERS = 4;
    /** From the first exit to the door opening: long enough for several retries, well inside the 15 s budget. */
    private static final long EXITS_HELD_MILLIS = 8_000;

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
        Path shimSocket = Path.of(Files.readString(containerd.bundle(ids.get(0)).resolve("address")).strip().replaceFirst("^unix://", ""));

        // The outage, as the shim sees it: containerd dies, and comes back listening for events on another path,
        // so the shim's path has nothing behind it. The restart and the subscriber come first, before any exit:
        // how long they take on a busy machine must not eat into the shim's retry budget for the exits.
        long killedAt = System.nanoTime();
        containerd.kill9();
        Path shimsPath = Path.of(containerd.ttrpcAddress());
        Path gated = Path.of(containerd.ttrpcAddress() + ".gated");
        moveEventSocket(containerd, gated);
        containerd.restart();
        Path events = containerd.dir().resolve("outage-events.txt");
        Process subscriber = containerd.ctrInBackground(events, "events");
        awaitSubscribed(containerd, events);

        long firstExit = System.nanoTime();
        for (int i = 0; i < CONTAINERS; i++) {   // one after the other, so that their order is well defined:
            String id = ids.get(i);                 // the next exits once the shim has recorded (and queued) this one
            ProcessHandle.of(inits.get(i)).orElseThrow().destroy();
            Procs.await("the shim reports " + id + " STOPPED", () -> stoppedByTheShim(shimSocket, id));
        }
        long lastExit = DrillReport.millisSince(firstExit);
        // About time itself: the exits wait in the shim's queue, retried against nothing, for EXITS_HELD_MILLIS
        // after the first one, whatever the machine's speed (the shim gives an event up 15 s after its first try)
        Thread.sleep(Math.max(0, EXITS_HELD_MILLIS - DrillReport.millisSince(firstExit)));
        Files.createSymbolicLink(shimsPath, gated);   // the door opens: the shim's next retry gets through
        long outage = DrillReport.millisSince(killedAt);
        long held = DrillReport.millisSince(firstExit);
        long opened = System.nanoTime();
        // The shim retries each event for up to 15 s: past that, whatever has not arrived never will.
        boolean all = awaitUpTo(20_000, () -> exitLines(events).size() >= CONTAINERS);
        long delivered = DrillReport.millisSince(opened);
        // About time itself: a duplicate would come from a retry of the shim's, which nothing outside can see
        // coming; anything extra would show up within this window
        Thread.sleep(500);
        subscriber.destroy();

        List<String> exits = exitLines(events);
        List<String> order = exits.stream().map(DrillEventsOutageIT::containerId).toList();
        report.line("%d containers of one shared shim exited within %d ms, during the outage", CONTAINERS, lastExit);
        report.line("containerd unreachable for the shim for %d ms, the first exit held for %d ms; %s %d ms after it was reachable again",
                outage, held, all ? "all exits arrived" : "still missing exits", delivered);
        report.line("arrival order %s (exit order %s), statuses %s", order, ids,
                exits.stream().map(l -> l.replaceAll(".*\"exit_status\":(\\d+).*", "$1")).toList());
        assertEquals(ids, order, "every exit arrived once, in the order the containers exited");
        assertTrue(exits.stream().allMatch(l -> l.contains("\"exit_status\":143")), exits.toString());

        for (String id : ids) {
            // containerd reloaded the shim while the tasks ran: it keeps them, and the exits made them STOPPED
            assertEquals("STOPPED", Procs.taskStatus(containerd, id));
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

    /** The shim itself (containerd is down) says the task's init has exited: it recorded the exit. */
    private static boolean stoppedByTheShim(Path socket, String id) {
        try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
            return client.call("containerd.task.v2.Task", "State", StateRequest.newBuilder().setId(id).build(),
                    StateResponse.parser(), Duration.ofSeconds(2)).getStatus() == Status.STOPPED;
        } catch (Exception notYet) {
            return false;
        }
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
