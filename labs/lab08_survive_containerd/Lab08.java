///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT
//SOURCES ../kit/*.java
//SOURCES exercise/Reconnect.java
//SOURCES solution/Reconnect.java
//SOURCES exercise/BootstrapStretch.java
//SOURCES solution/BootstrapStretch.java
//DESCRIPTION Lab 08: SIGKILL containerd; the containers live; what containerd does for each bundle when it comes back.
package lab08_survive_containerd;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.reaper.Exit;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.ttrpc.TtrpcClient;
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
 * Lab 08, the point of a shim: kill containerd with SIGKILL while containers run under our shim. The containers and
 * the shims live on. containerd comes back and walks its state folder: for each bundle it reads the shim's address,
 * dials, calls Connect, and when that fails runs the shim binary's {@code delete} to clean up. Your part: that walk,
 * while containerd is down, over a bundle whose shim lives and one whose shim was SIGKILLed too.
 */
public final class Lab08 {
    static final String ID = "lab08";
    static final String GONE = "lab08-gone";
    static final String NAMESPACE = "jrunc-lab08";

    /** What containerd knows about itself when it walks the bundles: its namespace and its two sockets. */
    public record Containerd(String namespace, String address, String ttrpcAddress) {
    }

    /** What recover() found: a shim that answered Connect, or one that is gone, cleaned up by its delete. */
    public sealed interface Outcome permits Connected, CleanedUp {
    }

    /** The shim answered Connect: containerd keeps it (and its task). */
    public record Connected(int shimPid, int taskPid) implements Outcome {
    }

    /** The shim did not answer; its binary's delete ran and printed a DeleteResponse with this pid and status. */
    public record CleanedUp(int pid, int exitStatus) implements Outcome {
    }

    /** A program's end: its exit status (128 + signal if killed), its stdout as bytes, its stderr as text. */
    public record Result(int status, byte[] stdout, String stderr) {
    }

    /** Runs a program to its end, as containerd runs a shim binary (posix_spawn through the shim's Spawn). */
    public interface Runner {
        /**
         * @param argv      the program (an absolute path) and its arguments
         * @param directory its working folder
         * @param env       variables added to this process's environment
         */
        Result run(List<String> argv, Path directory, Map<String, String> env) throws Exception;
    }

    /** What you write in exercise/Reconnect.java. */
    public interface Exercise {
        /** What containerd does for one bundle when it starts again. */
        Outcome recover(Path bundle, Containerd containerd, Runner runner) throws Exception;
    }

    /** The stretch exercise, in exercise/BootstrapStretch.java: containerd 2.x's way to the shim's address. */
    public interface Stretch {
        /** The ttrpc address to dial for this bundle, from bootstrap.json, or migrated from `address` into it. */
        String ttrpcAddress(Path bundle) throws Exception;
    }

    public static void main(String[] args) {
        System.exit(Lab.run("08", "survive containerd", "labs/lab08_survive_containerd/exercise/Reconnect.java", args, Lab08::survive));
    }

    static void survive(Lab lab) throws Exception {
        Exercise yours = lab.solution() ? new lab08_survive_containerd.solution.Reconnect() : new lab08_survive_containerd.exercise.Reconnect();
        Out out = lab.out();
        java.util.logging.LogManager.getLogManager().reset();
        Path launcher = lab.repo().resolve("shim/target/containerd-shim-jrunc-v2");
        if (!Files.isExecutable(launcher)) {
            throw new Lab.CannotRun(launcher + " is missing: build the shim first (./verify.sh build)");
        }
        Reaper reaper = Reaper.start();
        Sh.useReaper(reaper);

        lab.step("1. Two containers under our shim");
        lab.say("(sh traps TERM: as lab 03 shows, the init of a pid namespace ignores signals it has no handler for.)");
        Path rootfs = RuncBundle.busyboxRootfs(lab);
        PrivateContainerd containerd = PrivateContainerd.start(lab, NAMESPACE);
        int[] shims = new int[2];
        int[] inits = new int[2];
        String[] ids = {ID, GONE};
        for (int i = 0; i < 2; i++) {
            List<String> run = containerd.runArgs(PrivateContainerd.JAVA_SHIM, ids[i], rootfs, List.of("-d"),
                    List.of("sh", "-c", "trap 'exit 143' TERM; sleep 600 & wait"));
            out.command(PrivateContainerd.shown(run.toArray(String[]::new)));
            Sh.Result started = containerd.ctr(run.toArray(String[]::new));
            if (!started.ok()) {
                throw new Lab.CannotRun("ctr run with our shim failed: " + started.combined());
            }
            int init = Integer.parseInt(Files.readString(containerd.bundle(ids[i]).resolve("init.pid")).trim());
            shims[i] = lab.pid(Procs.ppid(init));   // named first: the book numbers the shim before its child
            inits[i] = lab.pid(init);
            lab.await("pid " + init + " runs sh, waiting for its sleep 600", () -> Procs.settledWithChild(init, "sh", "sleep"));
        }
        int adopter = lab.pid(Procs.ppid(containerd.pid()));
        int first = containerd.pid();
        lab.show(tree("Before", adopter, first, shims, inits));
        lab.say("One shim per container: `start` groups containers by pod (lab 09), and these are in none.");

        lab.step("2. SIGKILL containerd, and one of the shims");
        out.command("kill -KILL " + first + "    # containerd: no chance to clean up anything");
        containerd.kill9();
        out.command("kill -KILL " + shims[1] + "    # the shim of " + GONE + ", while containerd is away");
        Posix.kill(shims[1], Posix.SIGKILL);
        lab.await("the shim " + shims[1] + " is gone", () -> !Procs.alive(shims[1]));
        lab.await("the container " + inits[1] + " has been adopted", () -> Procs.ppid(inits[1]) != shims[1]);
        lab.show(tree("containerd and one shim are gone", adopter, first, shims, inits));
        lab.check(Procs.alive(shims[0]) && Procs.alive(inits[0]) && Procs.alive(inits[1]),
                "Both containers live on: " + ID + " with its shim (" + shims[0] + "), " + GONE + " without one, adopted.",
                "Neither shim was containerd's child (lab 02). Nobody now reaps " + GONE + "'s processes for containerd,",
                "nor copies its output; its socket file is still in /run/containerd/s, with nobody listening.");

        lab.step("3. What containerd does when it comes back: your recover(), for each bundle");
        Path tasks = containerd.bundle(ID).getParent();
        out.command("ls " + tasks);
        out.output(String.join("\n", ids));
        for (String file : List.of("address", "shim-binary-path")) {
            out.command("cat " + containerd.bundle(ID).resolve(file));
            out.output(Files.readString(containerd.bundle(ID).resolve(file)).trim());
        }
        Containerd self = new Containerd(NAMESPACE, containerd.address(), containerd.ttrpcAddress());
        Runner runner = runner(lab);
        Outcome live = recover(lab, yours, containerd.bundle(ID), self, runner);
        out.say("recover(" + ID + ") → " + live);
        if (!Procs.alive(inits[0])) {
            throw fail(lab, "recover() leaves a bundle whose shim answers as it is", ID + "'s container still running",
                    "it is gone: recover() ran delete (or killed it) although its shim was there to answer Connect");
        }
        if (!(live instanceof Connected c) || c.shimPid() != shims[0] || c.taskPid() != inits[0]) {
            throw fail(lab, "recover() finds " + ID + "'s shim and asks it Connect", "Connected[shimPid=" + shims[0] + ", taskPid=" + inits[0] + "]",
                    String.valueOf(live));
        }
        lab.pid(c.shimPid());
        lab.passed(ID + ": the address in the bundle, a dial, Connect: its shim answered, shim pid " + c.shimPid()
                + ", task pid " + c.taskPid() + ".");
        if (!runcKnows(containerd, GONE)) {
            throw new Lab.CannotRun("runc --root /run/containerd/runc/" + NAMESPACE + " state " + GONE + " finds nothing: the lab"
                    + " looks for runc's state where the fixture's containerd does not keep it");
        }
        Outcome gone = recover(lab, yours, containerd.bundle(GONE), self, runner);
        out.say("recover(" + GONE + ") → " + gone);
        boolean containerGone = Procs.await(10_000, () -> !Procs.alive(inits[1]));
        if (!(gone instanceof CleanedUp cleaned) || cleaned.pid() != inits[1] || cleaned.exitStatus() != 137) {
            throw fail(lab, "recover() cleans up after a shim that is gone, with the shim binary's delete",
                    "CleanedUp[pid=" + inits[1] + ", exitStatus=137], from the DeleteResponse the delete prints on stdout",
                    gone + (gone instanceof Connected ? ": a shim that is gone cannot have answered" : ""));
        }
        if (!containerGone || runcKnows(containerd, GONE)) {
            throw fail(lab, "The delete removed what was left of " + GONE,
                    "its processes killed and runc's state of it gone (runc --root /run/containerd/runc/" + NAMESPACE + " list)",
                    (containerGone ? "" : "its init " + inits[1] + " still runs; ") + (runcKnows(containerd, GONE) ? "runc still lists it; " : "")
                            + "the delete did not find it. It finds runc's state by the namespace and the id: are -namespace, -id"
                            + " and -bundle among its arguments?");
        }
        lab.passed(GONE + ": no answer at that address (ECONNREFUSED), so the shim binary's delete ran: it killed what",
                "was left with `runc delete --force` and reported pid " + cleaned.pid() + ", exit status " + cleaned.exitStatus()
                        + " (128 + SIGKILL).",
                "containerd then removes the bundle and publishes /tasks/exit and /tasks/delete for it.");

        lab.step("4. containerd comes back");
        out.command("shim/scripts/private-containerd.sh restart " + containerd.dir());
        containerd.restart();
        lab.await("containerd has done with " + GONE + "'s bundle", () -> !Files.exists(containerd.bundle(GONE)));
        out.command(PrivateContainerd.shown("task", "ls"));
        String list = containerd.ctr("task", "ls").stdout();
        out.outputTable(list);
        lab.show(tree("After the restart", adopter, containerd.pid(), new int[] {shims[0]}, new int[] {inits[0]}));
        lab.check(containerd.pid() != first && list.contains("RUNNING") && list.contains(" " + inits[0] + " ") && !list.contains(GONE),
                "A new containerd (pid " + containerd.pid() + ") did the same walk: " + ID + " RUNNING with the same pid " + inits[0] + ";",
                GONE + "'s bundle, whose shim could not be reached, cleaned up (its delete ran once more) and removed.");

        lab.step("5. And it still works");
        out.command(PrivateContainerd.shown("task", "kill", ID));
        containerd.ctr("task", "kill", ID);
        boolean stopped = Procs.await(60_000, () -> containerd.ctr("task", "ls").stdout().contains("STOPPED"));
        Sh.Result rm = containerd.ctr("task", "rm", ID);
        out.command(PrivateContainerd.shown("task", "rm", ID));
        out.output(rm.combined());
        lab.check(stopped && rm.combined().contains("exit code 143"),
                "The new containerd stopped the container through the same shim and got its exit status, 143.",
                "The container never noticed that containerd was gone.");
        containerd.ctr("container", "rm", ID);

        lab.stretch("containerd 2.x's bootstrap.json", "labs/lab08_survive_containerd/exercise/BootstrapStretch.java",
                (stretchLab, solution) -> bootstrap(stretchLab, solution
                        ? new lab08_survive_containerd.solution.BootstrapStretch() : new lab08_survive_containerd.exercise.BootstrapStretch(),
                        containerd, rootfs));
    }

    /**
     * The stretch: containerd 2.x keeps the shim's bootstrap parameters in bootstrap.json, and migrates a bundle that
     * only has 1.x's `address` by writing one. The lab makes the 2.x bundles itself: its containerd is 1.x.
     */
    @SuppressWarnings("unchecked")
    private static void bootstrap(Lab lab, Stretch yours, PrivateContainerd containerd, Path rootfs) throws Exception {
        Out out = lab.out();
        lab.say("containerd 2.x writes what `start` printed into bootstrap.json: {\"version\":2,\"address\":…,\"protocol\":\"ttrpc\"}",
                "(a shim may speak gRPC there). Restarting, it reads bootstrap.json; a bundle of 1.x has only `address`:",
                "then it writes bootstrap.json from it (a migration). This containerd is 1.x, so the lab makes the 2.x",
                "bundles itself; the shim is a new one, for container " + ID + "-2.");
        String id = ID + "-2";
        List<String> run = containerd.runArgs(PrivateContainerd.JAVA_SHIM, id, rootfs, List.of("-d"), List.of("sleep", "600"));
        out.command(PrivateContainerd.shown(run.toArray(String[]::new)));
        Sh.Result started = containerd.ctr(run.toArray(String[]::new));
        if (!started.ok()) {
            throw new Lab.CannotRun("ctr run with our shim failed: " + started.combined());
        }
        Path bundle = containerd.bundle(id);
        int init = Integer.parseInt(Files.readString(bundle.resolve("init.pid")).trim());
        int shim = lab.pid(Procs.ppid(init));
        lab.pid(init);
        String address = Files.readString(bundle.resolve("address")).trim();
        Path written = bundle.resolve("bootstrap.json");
        lab.cleanup("removed the bootstrap.json the stretch wrote into " + id + "'s bundle", () -> Files.deleteIfExists(written));

        out.say("1. " + id + "'s bundle, as containerd 1.x left it (address, no bootstrap.json):");
        String first = yours.ttrpcAddress(bundle);
        out.say("   ttrpcAddress() → " + first);
        Object params = Files.exists(written) ? Json.parse(Files.readString(written)) : null;
        Map<String, Object> p = params instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        if (!address.equals(first) || !(p.get("version") instanceof Number v && v.intValue() == 2)
                || !address.equals(p.get("address")) || !"ttrpc".equals(p.get("protocol"))) {
            throw fail(lab, "A 1.x bundle is migrated: the address from `address`, and bootstrap.json written",
                    address + "; bootstrap.json {\"version\":2,\"address\":\"" + address + "\",\"protocol\":\"ttrpc\"}",
                    first + "; bootstrap.json " + (Files.exists(written) ? Files.readString(written).trim() : "not written"));
        }
        out.command("cat " + written);
        out.output(Files.readString(written).trim());
        lab.check(connects(first, id, shim), "The address it gave reaches the shim (Connect answered), and bootstrap.json now says so.");

        Path twoX = lab.work().resolve("bundle-2.x");
        Files.createDirectories(twoX);
        Files.writeString(twoX.resolve("bootstrap.json"), "{\"version\":2,\"address\":\"" + address + "\",\"protocol\":\"ttrpc\"}\n");
        Files.writeString(twoX.resolve("address"), "unix:///run/containerd/s/older-shim");
        out.say("2. A bundle of 2.x: bootstrap.json with the shim's address, and an `address` left from an older shim:");
        out.command("cat " + twoX.resolve("bootstrap.json") + " " + twoX.resolve("address"));
        out.output(Files.readString(twoX.resolve("bootstrap.json")).trim() + "\n" + Files.readString(twoX.resolve("address")));
        String second = yours.ttrpcAddress(twoX);
        out.say("   ttrpcAddress() → " + second);
        if (!address.equals(second)) {
            throw fail(lab, "bootstrap.json, where there is one, is what counts", address, second
                    + (second.endsWith("older-shim") ? ": that is `address`, older than bootstrap.json" : ""));
        }
        lab.check(connects(second, id, shim), "bootstrap.json first: its address reaches the shim.");

        Files.writeString(twoX.resolve("bootstrap.json"), "{\"version\":2,\"address\":\"unix:///run/jrunc/grpc.sock\",\"protocol\":\"grpc\"}\n");
        out.say("3. A bundle of 2.x whose shim speaks gRPC:");
        out.command("cat " + twoX.resolve("bootstrap.json"));
        out.output(Files.readString(twoX.resolve("bootstrap.json")).trim());
        String third;
        try {
            third = yours.ttrpcAddress(twoX);
        } catch (Exception refused) {
            out.say("   ttrpcAddress() threw " + refused);
            if (refused.getMessage() == null || !refused.getMessage().contains("grpc")) {
                throw fail(lab, "A shim that speaks gRPC is refused, saying so", "an exception whose message names the protocol, grpc",
                        refused.toString());
            }
            lab.passed("Refused, naming the protocol: a ttrpc client would send frames a gRPC server cannot read.",
                    "containerd 2.x dials such a shim with gRPC instead (makeConnection in core/runtime/v2/shim.go).");
            return;
        }
        throw fail(lab, "A shim that speaks gRPC is refused, saying so", "an exception whose message names the protocol, grpc",
                "ttrpcAddress() returned " + third + ", which this client would dial with ttrpc");
    }

    // ---- your recover(), watched ----------------------------------------------------------------------------------

    /** Calls your recover() on a thread of its own: it may wait for a shim that never answers. */
    private static Outcome recover(Lab lab, Exercise yours, Path bundle, Containerd containerd, Runner runner) throws Exception {
        String id = bundle.getFileName().toString();
        java.util.concurrent.FutureTask<Outcome> task = new java.util.concurrent.FutureTask<>(() -> yours.recover(bundle, containerd, runner));
        Thread thread = new Thread(task, "your-recover");
        thread.setDaemon(true);
        thread.start();
        try {
            Outcome outcome = task.get(60, TimeUnit.SECONDS);
            if (outcome == null) {
                throw fail(lab, "recover(" + id + ") says what it found", "Connected or CleanedUp", "null");
            }
            return outcome;
        } catch (java.util.concurrent.TimeoutException e) {
            throw fail(lab, "recover(" + id + ") returns", "an outcome within seconds (containerd gives a shim 5 s to answer)",
                    "still running after 60 s: does a call wait without a timeout?");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (id.equals(GONE) && (cause instanceof java.io.IOException)) {
                throw fail(lab, "recover() cleans up after a shim that is gone, with the shim binary's delete",
                        "CleanedUp[…], after running the shim binary (shim-binary-path) with delete",
                        "it threw " + cause + where(cause) + ". That failure is what containerd acts on: the shim is gone, and"
                                + " its binary's delete cleans up after it");
            }
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw e;
        }
    }

    private static String where(Throwable e) {
        for (StackTraceElement f : e.getStackTrace()) {
            if (f.getClassName().startsWith("lab08_survive_containerd.exercise.")) {
                return " (at " + f.getFileName() + ":" + f.getLineNumber() + ")";
            }
        }
        return "";
    }

    /** The Runner the lab hands you: posix_spawn, stdout and stderr into memory, waited for through the lab's reaper. */
    private static Runner runner(Lab lab) {
        return (argv, directory, env) -> {
            int out = Posix.memfd("stdout");
            int err = Posix.memfd("stderr");
            try {
                Map<String, String> environment = new HashMap<>(System.getenv());
                environment.putAll(env);
                Reaper.Child child = Reaper.start().spawn(Spawn.of(argv.get(0), argv).stdio(-1, out, err).cwd(directory).env(environment));
                Exit exit = child.exit().get(60, TimeUnit.SECONDS);
                lab.out().command("cd " + directory + " && " + Sh.quote(argv));
                String stderr = new String(Posix.readAll(err), StandardCharsets.UTF_8);
                byte[] stdout = Posix.readAll(out);
                lab.out().output("(exit status " + exit.status() + ", " + Out.vary(stdout.length, "<n>") + " bytes on stdout"
                        + (stderr.isBlank() ? ")" : "; stderr: " + stderr.strip() + ")"));
                return new Result(exit.status(), stdout, stderr);
            } finally {
                Posix.closeQuietly(out, err);
            }
        };
    }

    private static boolean connects(String address, String id, int shim) {
        try (TtrpcClient client = TtrpcClient.connect(address)) {
            return client.call("containerd.task.v2.Task", "Connect", ConnectRequest.newBuilder().setId(id).build(),
                    ConnectResponse.parser(), Duration.ofSeconds(10)).getShimPid() == shim;
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether runc still has state for the container, in containerd's runc root for the namespace. */
    private static boolean runcKnows(PrivateContainerd containerd, String id) {
        return Sh.run(RuncBundle.RUNC, "--root", "/run/containerd/runc/" + NAMESPACE, "state", id).ok();
    }

    private static ProcessTree tree(String title, int adopter, int containerd, int[] shims, int[] inits) {
        ProcessTree tree = ProcessTree.titled(title).init();
        if (adopter != 1) {
            tree.show(adopter, Kind.INIT, "adopts orphans");
        }
        if (Procs.alive(containerd)) {   // a killed containerd may linger as a zombie if pid 1 is slow to reap
            tree.show(containerd, Kind.CONTAINERD, "containerd");
        }
        for (int i = 0; i < shims.length; i++) {
            if (Procs.alive(shims[i])) {
                tree.show(shims[i], Kind.SHIM, "our shim (java)");
            }
            if (Procs.alive(inits[i])) {
                tree.show(inits[i], Kind.CONTAINER, "container init");
                Procs.children(inits[i]).forEach(child -> tree.show(child, Kind.CONTAINER, "in the container"));
            }
        }
        return tree;
    }

    private static Lab.ClaimFailed fail(Lab lab, String claim, String expected, String actual) {
        return lab.fail(claim, Wrap.claim(expected), Wrap.claim(actual));
    }
}
