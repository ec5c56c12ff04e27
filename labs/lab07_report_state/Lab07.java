///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/ExitEvents.java
//SOURCES solution/ExitEvents.java
//SOURCES exercise/RetryStretch.java
//SOURCES solution/RetryStretch.java
//DESCRIPTION Lab 07: report state; our shim under containerd, its answers and its events, and the exit path by hand.
package lab07_report_state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Message;

import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.events.RemotePublisher;
import dev.jrunc.shim.events.Topics;
import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.proto.events.Envelope;
import dev.jrunc.shim.proto.events.ForwardRequest;
import dev.jrunc.shim.proto.events.TaskDelete;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.events.TaskStart;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.shim.ttrpc.TtrpcException;
import kit.Lab;
import kit.Out;
import kit.PrivateContainerd;
import kit.ProcessTree;
import kit.ProcessTree.Kind;
import kit.Procs;
import kit.RuncBundle;
import kit.Sh;
import kit.Wrap;

/**
 * Lab 07: containerd learns about a container in two ways from its shim: answers to its calls (State, Wait) and
 * events the shim publishes on its own (/tasks/create, /tasks/start, /tasks/exit, /tasks/delete). We register our
 * shim as runtime {@code io.containerd.jrunc.v2}, run a container with ctr, and watch {@code ctr events}. Your part:
 * the events of a container's life, from what runc and the reaper tell the shim, as containerd's clients expect them.
 */
public final class Lab07 {
    static final String ID = "lab07";
    static final String NAMESPACE = "jrunc-lab07";
    static final String READY = "jrunc-lab07-listening";

    /** What you write in exercise/ExitEvents.java: the task service's part in a container's events. */
    public interface Exercise {
        /** runc start has returned: the container's init runs, with this pid. */
        void started(Publisher events, String containerId, int pid);

        /** The reaper saw the container's init exit. May come before started(): an init that exits at once. */
        void exited(Publisher events, String containerId, Exit exit);

        /** containerd called Delete, and runc delete has run. */
        void deleted(Publisher events, String containerId);
    }

    /** One Events/Forward call to containerd, on a connection of its own. */
    public interface Forwarder {
        /**
         * @throws IOException    containerd is not there (not listening, restarting): worth trying again later
         * @throws TtrpcException containerd answered, and refused the event: trying again changes nothing
         */
        void forward(String topic, Message event) throws IOException, TtrpcException;
    }

    /** The stretch exercise, in exercise/RetryStretch.java: a publisher that outlives a containerd restart. */
    public interface Stretch {
        /** Queues the event and returns at once: a Task call must never wait for containerd. */
        void publish(String topic, Message event);

        /** Sends (or gives up) what is queued, then returns. */
        void close();
    }

    public static void main(String[] args) {
        System.exit(Lab.run("07", "report state", "labs/lab07_report_state/exercise/ExitEvents.java", args, Lab07::reportState));
    }

    static void reportState(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab07_report_state.solution.ExitEvents() : new lab07_report_state.exercise.ExitEvents();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();
        Path launcher = lab.repo().resolve("shim/target/containerd-shim-jrunc-v2");
        if (!Files.isExecutable(launcher)) {
            throw new Lab.CannotRun(launcher + " is missing: build the shim first (./verify.sh build)");
        }
        Reaper reaper = Reaper.start();
        Sh.useReaper(reaper);

        lab.step("1. Register the runtime io.containerd.jrunc.v2");
        lab.say("containerd turns a runtime name into a program: io.containerd.jrunc.v2 → containerd-shim-jrunc-v2 (the last",
                "two parts), looked up on containerd's PATH. The fixture puts shim/target first on that PATH, where the",
                "build left our launcher. That is the whole registration; CRI adds a name for it in its config (lab 09).");
        Path rootfs = RuncBundle.busyboxRootfs(lab);
        PrivateContainerd containerd = PrivateContainerd.start(lab, NAMESPACE);
        Path events = lab.work().resolve("events.txt");
        out.command(PrivateContainerd.shown("events") + " > events.txt &");
        int watcher = Sh.background(List.of("ctr", "--address", containerd.address(), "events"), events);
        lab.cleanup("stopped ctr events", () -> {
            if (Procs.alive(watcher)) {
                Posix.kill(watcher, Posix.SIGKILL);
            }
        });
        // ctr events subscribes a moment after it starts. An event of our own that it prints proves it listens.
        lab.say("(ctr events subscribes a moment after it starts. To know that it listens before we go on, we make",
                "containerd publish an event, by creating a namespace " + READY + ", and wait until ctr events prints it.)");
        ctr(lab, containerd, "namespaces", "create", READY);
        ctr(lab, containerd, "namespaces", "remove", READY);
        // If ctr events subscribed only after those two, it saw neither: make them again until it has seen one.
        lab.await("ctr events prints an event about " + READY, () -> {
            if (read(events).contains(READY)) {
                return true;
            }
            containerd.ctr("namespaces", "create", READY);
            containerd.ctr("namespaces", "remove", READY);
            return read(events).contains(READY);
        });

        lab.step("2. Run a container through our shim");
        List<String> command = List.of("sh", "-c", "trap 'exit 3' TERM; sleep 600 & wait");
        lab.say("(sh traps TERM: as lab 03 shows, the init of a pid namespace ignores signals it has no handler for.)");
        List<String> run = containerd.runArgs(PrivateContainerd.JAVA_SHIM, ID, rootfs, List.of("-d"), command);
        out.command(PrivateContainerd.shown(run.toArray(String[]::new)));
        Sh.Result started = containerd.ctr(run.toArray(String[]::new));
        if (!started.ok()) {
            throw new Lab.CannotRun("ctr run with our shim failed: " + started.combined());
        }
        int init = Integer.parseInt(Files.readString(containerd.bundle(ID).resolve("init.pid")).trim());
        int shim = lab.pid(Procs.ppid(init));   // named first: the book numbers the shim before its child
        lab.pid(init);
        lab.await("pid " + init + " runs sh, waiting for its sleep 600", () -> Procs.settledWithChild(init, "sh", "sleep"));
        int adopter = lab.pid(Procs.ppid(containerd.pid()));
        ctr(lab, containerd, "task", "ls");
        ProcessTree tree = ProcessTree.titled("Our shim at work").init();
        if (adopter != 1) {
            tree.show(adopter, Kind.INIT, "adopts orphans");
        }
        tree.show(containerd.pid(), Kind.CONTAINERD, "containerd").show(shim, Kind.SHIM, "our shim (java)")
                .show(init, Kind.CONTAINER, "container init");
        Procs.children(init).forEach(child -> tree.show(child, Kind.CONTAINER, "in the container"));
        lab.show(tree);
        lab.check(Procs.ppid(shim) == adopter, "Our shim stands where the Go shim stood in lab 00: beside containerd, parent of the container.",
                "ctr task ls asked containerd, containerd asked our shim (State), our shim answered from what it knows.");

        lab.step("3. Stop the container");
        ctr(lab, containerd, "task", "kill", ID);
        lab.await("ctr task ls shows " + ID + " STOPPED", () -> containerd.ctr("task", "ls").stdout().contains("STOPPED"));
        ctr(lab, containerd, "task", "ls");
        lab.say("sh trapped SIGTERM and exited 3. Our shim reaped it, published /tasks/exit, and keeps the status until",
                "the task is deleted: containerd's Wait call (what `ctr run` without -d waits on) returned 3.");
        Sh.Result rm = containerd.ctr("task", "rm", ID);
        out.command(PrivateContainerd.shown("task", "rm", ID));
        out.output(rm.combined().replaceAll("WARN\\[\\d+\\] ", "WARN[0000] "));
        ctr(lab, containerd, "container", "rm", ID);
        lab.await("ctr events prints /containers/delete", () -> eventLines(events, ID).stream().anyMatch(l -> l.contains("/containers/delete")));

        lab.step("4. What ctr events saw");
        List<String> seenEvents = eventLines(events, ID);
        out.command("cat events.txt");
        out.output(String.join("\n", seenEvents));
        List<String> topics = seenEvents.stream().map(Lab07::topic).toList();
        List<String> expected = List.of("/containers/create", "/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete", "/containers/delete");
        lab.check(topics.equals(expected), "The events came in the order containerd's clients rely on: " + String.join(", ", topics) + ".",
                "/containers/* come from containerd itself, /tasks/* from our shim: it calls containerd's ttrpc socket",
                "(TTRPC_ADDRESS), containerd.services.events.ttrpc.v1.Events/Forward, one envelope per event.");

        lab.step("5. A container's life in events: your started(), exited(), deleted()");
        lab.say("Now the lab plays the shim's task service for two processes it starts itself, lab07-a and lab07-b, and",
                "tells your code what runc and the reaper tell the shim. Your events go to containerd (which forwards",
                "every event it gets; it does not check that the container exists), and ctr events prints them.");
        Recording publisher = new Recording(new RemotePublisher(containerd.ttrpcAddress(), NAMESPACE));
        lab.cleanup("closed the lab's event publisher", publisher::close);
        Reaper.Child a = reaper.spawn(Spawn.of("/bin/sleep", List.of("sleep", "600")));
        lab.pid(a.pid());
        lab.cleanup("killed lab07-a's sleep if still running", () -> {
            if (Procs.alive(a.pid())) {
                Posix.kill(a.pid(), Posix.SIGKILL);
            }
        });
        out.say("- lab07-a: sleep 600, pid " + a.pid() + ". runc start returned: started(lab07-a, " + a.pid() + ")");
        yours.started(publisher, "lab07-a", a.pid());
        Reaper.Child b = reaper.spawn(Spawn.of("/bin/sh", List.of("sh", "-c", "exit 7")));
        lab.pid(b.pid());
        Exit exitB = b.exit().get(60, TimeUnit.SECONDS);
        out.say("- lab07-b: sh -c 'exit 7', pid " + b.pid() + ". It exits at once: the reaper has its exit before runc start",
                "  has returned (lab 04's stretch): exited(lab07-b, " + exitB.status() + "), then started(lab07-b, " + b.pid() + ")");
        yours.exited(publisher, "lab07-b", exitB);
        yours.started(publisher, "lab07-b", b.pid());
        Posix.kill(a.pid(), Posix.SIGTERM);
        Exit exitA = a.exit().get(60, TimeUnit.SECONDS);
        out.say("- lab07-a: killed with SIGTERM: exited(lab07-a, " + exitA.status() + ")");
        yours.exited(publisher, "lab07-a", exitA);
        out.say("- containerd deletes both: deleted(lab07-b), deleted(lab07-a)");
        yours.deleted(publisher, "lab07-b");
        yours.deleted(publisher, "lab07-a");
        publisher.close();
        markTheEnd(lab, containerd, events, "jrunc-lab07-done");
        Map<String, List<Map<String, Object>>> expectedEvents = new LinkedHashMap<>();
        expectedEvents.put("lab07-a", lifeOf("lab07-a", a.pid(), exitA));
        expectedEvents.put("lab07-b", lifeOf("lab07-b", b.pid(), exitB));
        out.command("grep -e lab07-a -e lab07-b events.txt");
        out.output(String.join("\n", read(events).lines()
                .filter(l -> l.contains("\"lab07-a\"") || l.contains("\"lab07-b\"")).toList()));
        for (Map.Entry<String, List<Map<String, Object>>> e : expectedEvents.entrySet()) {
            compare(lab, e.getKey(), e.getValue(), eventLines(events, e.getKey()), publisher.topicsFor(e.getKey()));
        }
        lab.passed("Start, exit and delete for each, in that order, with the fields containerd's Go shim sends: the",
                "exit's pid, its status and the reaper's time of it; lab07-b's early exit held back until its start.");

        lab.stretch("events while containerd is away", "labs/lab07_report_state/exercise/RetryStretch.java",
                (stretchLab, solution) -> retries(stretchLab, containerd, events, reaper, solution));
    }

    // ---- the events your code should have produced -------------------------------------------------------------------

    /** The three events the Go shim publishes for a container's init, as ctr events prints them (zero values left out). */
    private static List<Map<String, Object>> lifeOf(String id, int pid, Exit exit) {
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("topic", Topics.TASK_START);
        start.put("container_id", id);
        start.put("pid", pid);
        Map<String, Object> exited = new LinkedHashMap<>();
        exited.put("topic", Topics.TASK_EXIT);
        exited.put("container_id", id);
        exited.put("id", id);
        exited.put("pid", pid);
        exited.put("exit_status", exit.status());
        exited.put("exited_at", exit.exitedAt());
        Map<String, Object> deleted = new LinkedHashMap<>();
        deleted.put("topic", Topics.TASK_DELETE);
        deleted.put("container_id", id);
        deleted.put("pid", pid);
        deleted.put("exit_status", exit.status());
        deleted.put("exited_at", exit.exitedAt());
        return List.of(start, exited, deleted);
    }

    /** Compares one container's events in ctr events with the expected ones, and says which field of which event differs. */
    private static void compare(Lab lab, String id, List<Map<String, Object>> expected, List<String> lines, List<String> published) {
        List<String> topics = lines.stream().map(Lab07::topic).toList();
        List<String> wanted = expected.stream().map(m -> (String) m.get("topic")).toList();
        if (!topics.equals(wanted)) {
            String why = "";
            if (topics.containsAll(wanted) && topics.indexOf(Topics.TASK_EXIT) < topics.indexOf(Topics.TASK_START)) {
                why = ". " + id + " exited before the shim knew its pid, so exited() came first; but containerd's clients"
                        + " take an exit before the start as a task that never started: keep the exit until the start is published";
            } else if (topics.containsAll(wanted)) {
                why = ". Start, exit, delete: each after the one before it";
            }
            throw fail(lab, "ctr events shows " + id + "'s life as " + String.join(", ", wanted),
                    String.join(", ", wanted), (topics.isEmpty() ? "no events for " + id : String.join(", ", topics))
                            + " (you published " + (published.isEmpty() ? "nothing" : String.join(", ", published)) + ")" + why);
        }
        for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> want = expected.get(i);
            Map<String, Object> got = fields(lines.get(i));
            for (Map.Entry<String, Object> field : want.entrySet()) {
                String name = field.getKey();
                if (name.equals("topic")) {
                    continue;
                }
                Object value = got.get(name);
                if (!sameValue(field.getValue(), value)) {
                    throw fail(lab, id + "'s " + want.get("topic") + " carries " + name + " as the Go shim sends it",
                            name + " " + show(field.getValue()), value == null ? "no " + name + hint(name, null)
                                    : name + " " + show(value) + hint(name, field.getValue()));
                }
            }
            for (String name : got.keySet()) {
                boolean idOnDelete = name.equals("id") && want.get("topic").equals(Topics.TASK_DELETE) && id.equals(got.get(name));
                if (!want.containsKey(name) && !idOnDelete) {
                    throw fail(lab, id + "'s " + want.get("topic") + " carries the fields the Go shim sends, no others",
                            String.join(", ", want.keySet().stream().filter(k -> !k.equals("topic")).toList()),
                            "also " + name + " " + show(got.get(name)));
                }
            }
        }
    }

    private static String hint(String field, Object expected) {
        return switch (field) {
            case "exited_at" -> expected == null ? ": the time the reaper saw the exit (Exit.exitedAt()), a"
                    + " google.protobuf.Timestamp" : ": the reaper's time of the exit (Exit.exitedAt()), seconds and nanoseconds,"
                    + " not the time of publishing";
            case "exit_status" -> ": Exit.status(), already decoded (128 + the signal for a killed process)";
            case "id" -> ": TaskExit's id is the process's: the container's id for its init";
            default -> "";
        };
    }

    private static boolean sameValue(Object expected, Object got) {
        if (got == null) {
            return false;
        }
        if (expected instanceof Instant instant) {
            try {
                return Instant.parse(got.toString()).equals(instant);
            } catch (java.time.format.DateTimeParseException e) {
                return false;
            }
        }
        if (expected instanceof Integer number) {
            return got instanceof Number n && n.longValue() == number;
        }
        return expected.equals(got);
    }

    private static String show(Object value) {
        return value instanceof Instant instant ? instant.toString() : value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    /** The JSON of a ctr events line, as a map. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> fields(String line) {
        int brace = line.indexOf('{');
        return brace < 0 ? Map.of() : (Map<String, Object>) Json.parse(line.substring(brace));
    }

    /** A publisher that passes events on and remembers their topics per container, to say what was published. */
    static final class Recording implements Publisher {
        private final Publisher next;
        private final List<String[]> published = new CopyOnWriteArrayList<>();

        Recording(Publisher next) {
            this.next = next;
        }

        @Override
        public void publish(String topic, Message event) {
            Object id = event.getAllFields().entrySet().stream().filter(f -> f.getKey().getName().equals("container_id"))
                    .map(Map.Entry::getValue).findFirst().orElse("");
            published.add(new String[] {String.valueOf(id), topic});
            next.publish(topic, event);
        }

        List<String> topicsFor(String id) {
            return published.stream().filter(p -> p[0].equals(id)).map(p -> p[1]).toList();
        }

        @Override
        public void close() {
            next.close();
        }
    }

    // ---- the stretch: containerd away ---------------------------------------------------------------------------------

    /**
     * The stretch: containerd's ttrpc socket goes away (as during a restart) while events are published. The lab's
     * forwarder dials afresh for each call, and notes when; events must arrive after the socket is back, in order.
     */
    private static void retries(Lab lab, PrivateContainerd containerd, Path events, Reaper reaper, boolean solution) throws Exception {
        Out out = lab.out();
        Path socket = Path.of(containerd.ttrpcAddress());
        Path aside = socket.resolveSibling(socket.getFileName() + ".away");
        List<Long> failedAt = new CopyOnWriteArrayList<>();
        List<String> failedTopics = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        Forwarder forwarder = (topic, event) -> {
            try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
                Instant now = Instant.now();
                Envelope envelope = Envelope.newBuilder()
                        .setTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                        .setNamespace(NAMESPACE).setTopic(topic).setEvent(RemotePublisher.pack(event)).build();
                client.call("containerd.services.events.ttrpc.v1.Events", "Forward",
                        ForwardRequest.newBuilder().setEnvelope(envelope).build().toByteString(), Duration.ofSeconds(5),
                        Map.of("containerd-namespace-ttrpc", NAMESPACE));
                sent.incrementAndGet();
            } catch (IOException e) {
                failedTopics.add(topic);
                failedAt.add(System.nanoTime());
                throw e;
            }
        };
        lab.say("Your publisher gets a Forwarder: one Events/Forward call per event, on a new connection each time. The",
                "lab takes containerd's ttrpc socket away for a while, as a restart does (containerd removes it and",
                "listens anew), and publishes the life of lab07-c (sh -c 'exit 3'): its start before, its exit and delete during the outage.");
        Stretch yours = solution ? new lab07_report_state.solution.RetryStretch(forwarder)
                : new lab07_report_state.exercise.RetryStretch(forwarder);
        lab.cleanup("put containerd's ttrpc socket back, if the lab left it aside", () -> {
            if (Files.exists(aside) && !Files.exists(socket)) {
                Files.move(aside, socket);
            }
        });
        Reaper.Child c = reaper.spawn(Spawn.of("/bin/sh", List.of("sh", "-c", "exit 3")));
        int pid = lab.pid(c.pid());
        Instant exitedAt = c.exit().get(60, TimeUnit.SECONDS).exitedAt();
        yours.publish(Topics.TASK_START, TaskStart.newBuilder().setContainerId("lab07-c").setPid(pid).build());
        if (!Procs.await(20_000, () -> sent.get() >= 1)) {
            throw fail(lab, "The publisher sends the event while containerd is there", "one Forward call within a moment",
                    "none in 20 s: is anything sending the queue?");
        }
        markTheEnd(lab, containerd, events, "jrunc-lab07-c-started");
        out.say("(published /tasks/start for lab07-c; ctr events printed it)");
        out.command("mv " + socket + " " + aside + "   # containerd restarting: nobody listens at TTRPC_ADDRESS");
        Files.move(socket, aside);
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        Thread publishing = new Thread(() -> {
            yours.publish(Topics.TASK_EXIT, TaskExit.newBuilder().setContainerId("lab07-c").setId("lab07-c").setPid(pid)
                    .setExitStatus(3).setExitedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(exitedAt.getEpochSecond())
                            .setNanos(exitedAt.getNano())).build());
            yours.publish(Topics.TASK_DELETE, TaskDelete.newBuilder().setContainerId("lab07-c").setPid(pid).setExitStatus(3)
                    .setExitedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(exitedAt.getEpochSecond())
                            .setNanos(exitedAt.getNano())).build());
            returned.set(true);
        }, "your-publish");
        publishing.setDaemon(true);
        publishing.start();
        out.say("(published /tasks/exit and /tasks/delete for lab07-c)");
        if (!Procs.await(20_000, () -> failedAt.size() >= 2)) {
            throw fail(lab, "The publisher tries again while containerd is away",
                    "a second try after the first failed (the Go shim waits 1, 2, 3, 4, 5 s between tries)",
                    failedAt.size() + " tries in 20 s: " + (failedAt.isEmpty() ? "none at all" : "it gave up after the first"));
        }
        if (!returned.get()) {
            throw fail(lab, "publish() returns at once, containerd or not",
                    "publish() returned while the publisher was still trying",
                    "publish() was still running after two failed tries: a Task call (Start, Kill, Delete) that publishes must"
                            + " not wait for containerd; queue the event and send it from a thread of its own");
        }
        if (!failedTopics.get(1).equals(failedTopics.get(0))) {
            throw fail(lab, "The publisher tries an event again while containerd is away",
                    "a second try of " + failedTopics.get(0) + " (the Go shim waits 1, 2, 3, 4, 5 s between tries)",
                    "it gave " + failedTopics.get(0) + " up after one try and went on with " + failedTopics.get(1)
                            + ": containerd would never hear of it");
        }
        long gap = (failedAt.get(1) - failedAt.get(0)) / 1_000_000;
        if (gap < 900) {
            throw fail(lab, "The publisher waits between tries", "about 1 s after the first failure, then 2, 3, 4, 5 s",
                    "the second try came " + gap + " ms after the first: nothing gained, a CPU and containerd's log kept busy");
        }
        lab.passed("Two tries failed, " + Out.vary(gap + " ms", "about a second") + " apart, and publish() had long returned.");
        out.command("mv " + aside + " " + socket + "   # containerd is back");
        Files.move(aside, socket);
        Thread closing = new Thread(yours::close, "your-close");
        closing.setDaemon(true);
        closing.start();
        closing.join(30_000);
        if (closing.isAlive()) {
            throw fail(lab, "close() returns once the queue is sent", "close() returns within the schedule's 15 s",
                    "still running after 30 s");
        }
        markTheEnd(lab, containerd, events, "jrunc-lab07-c-done");
        List<String> lines = eventLines(events, "lab07-c");
        out.command("grep lab07-c events.txt");
        out.output(String.join("\n", lines));
        List<String> topics = lines.stream().map(Lab07::topic).toList();
        List<String> wanted = List.of(Topics.TASK_START, Topics.TASK_EXIT, Topics.TASK_DELETE);
        if (!topics.equals(wanted)) {
            throw fail(lab, "Everything published while containerd was away arrives, in order", String.join(", ", wanted),
                    topics.isEmpty() ? "nothing" : String.join(", ", topics) + (topics.containsAll(wanted)
                            ? ": out of order; an event waits behind the one being retried" : ": the rest was lost"));
        }
        lab.passed("The exit and the delete arrived once containerd was back, after the start, in order.",
                "The shim's RemotePublisher does the same: one sender thread, a queue, the Go shim's delays; the Go shim",
                "itself retries each event on a timer of its own, so a later event may overtake one being retried.");
    }

    // ---- ctr and ctr events ------------------------------------------------------------------------------------------

    /**
     * Makes containerd publish an event of its own (a namespace created and removed) and waits until ctr events has
     * printed it: containerd hands every subscriber the events in the order it got them, so whatever was forwarded
     * before is in the file by then.
     */
    private static void markTheEnd(Lab lab, PrivateContainerd containerd, Path events, String namespace) {
        containerd.ctr("namespaces", "create", namespace);
        containerd.ctr("namespaces", "remove", namespace);
        lab.await("ctr events prints /namespaces/delete for " + namespace,
                () -> read(events).lines().anyMatch(l -> l.contains("/namespaces/delete") && l.contains(namespace)));
    }

    /** Runs ctr with the lab's containerd and prints command and output (tables laid out stably in the book). */
    private static void ctr(Lab lab, PrivateContainerd containerd, String... args) {
        lab.out().command(PrivateContainerd.shown(args));
        Sh.Result r = containerd.ctr(args);
        if (!r.ok()) {
            throw new Lab.CannotRun("ctr " + String.join(" ", args) + " failed: " + r.combined());
        }
        if (args[args.length - 1].equals("ls")) {
            lab.out().outputTable(r.stdout());
        } else {
            lab.out().output(r.stdout());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** ctr events lines about one container, as far as written. */
    private static List<String> eventLines(Path events, String id) {
        try {
            return Files.readAllLines(events).stream().filter(l -> l.contains("\"" + id + "\"")).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** "2026-… +0000 UTC jrunc-lab07 /tasks/exit {…}": the topic, the sixth word. */
    private static String topic(String line) {
        String[] words = line.split(" ");
        return words.length > 5 ? words[5] : "";
    }

    private static Lab.ClaimFailed fail(Lab lab, String claim, String expected, String actual) {
        return lab.fail(claim, Wrap.claim(expected), Wrap.claim(actual));
    }
}
