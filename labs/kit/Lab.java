package kit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run of a lab: its flags, its folder under {@code /run/jrunc}, its output, its checked claims, its picture,
 * and the clean-up that undoes everything it started — also when it fails or is interrupted.
 *
 * <pre>
 *   jbang lab03                 run the lab with the learner's exercise (labs/lab03_subreaper/exercise/…)
 *   jbang lab03 --solution      run it with the solution instead
 *   jbang lab03 --stretch       the optional stretch exercise too (exercise/…Stretch…; the main part runs the solution)
 *   jbang lab03 --hold          stop before cleaning up, to look around with ps in another terminal
 *   jbang lab03 --record DIR    also write DIR/lab03.txt (the normalized transcript) and DIR/lab03-tree.svg
 * </pre>
 *
 * Exit status: 0 every claim held; 1 a claim failed (the message says what was expected and which TODO to look
 * at); 2 the lab could not run (not root, a tool missing, …); 3 the learner's exercise threw an exception (the
 * message names it and the line of the exercise it came from); 4 skipped: it needs something this machine does not
 * offer and the learner may bring (a kubelet), and it says what and how to get it. JBang itself exits 1 when the
 * exercise does not compile; verify.sh tells that apart by javac's messages.
 *
 * <p>The labs work under {@code /run/jrunc}; {@code JRUNC_LAB_ROOT} moves them elsewhere (the book still says
 * {@code /run/jrunc}).
 */
public final class Lab {
    /** Thrown when a checked claim does not hold. */
    public static final class ClaimFailed extends RuntimeException {
        ClaimFailed(String claim) {
            super(claim);
        }
    }

    /** Something the lab needs is missing or broke: not the learner's fault, no TODO to point at. */
    public static final class CannotRun extends RuntimeException {
        public CannotRun(String message) {
            super(message);
        }
    }

    /** The lab needs something this machine lacks and the learner can add: not a failure, and not a pass. */
    public static final class Skipped extends RuntimeException {
        public Skipped(String message) {
            super(message);
        }
    }

    /** The body of a lab. */
    public interface Body {
        void run(Lab lab) throws Exception;
    }

    /** A clean-up step. */
    public interface Action {
        void run() throws Exception;
    }

    private record CleanupStep(String what, Action action) {
    }

    private static final long PROOF_DEADLINE_MILLIS = 60_000;
    private static final Path DEFAULT_ROOT = Path.of("/run/jrunc");
    /** The exit status of a lab that could not run here for want of something the learner can add. */
    public static final int SKIPPED = 4;

    private final String number;
    private final String title;
    private String exercise;          // the file whose TODO a failure points at: the main exercise, or the stretch one
    private final boolean stretch;
    private boolean inStretch;
    private final boolean solution;
    private final boolean hold;
    private final Path record;
    private final Path repo;
    private final Path work;
    private final Out out = new Out(new Normalizer());
    private final Deque<CleanupStep> cleanups = new ArrayDeque<>();
    private final AtomicBoolean cleaned = new AtomicBoolean();
    private final List<ProcessTree> picture = new ArrayList<>();

    private Lab(String number, String title, String exercise, String[] args) {
        this.number = number;
        this.title = title;
        this.exercise = exercise;
        List<String> flags = List.of(args);
        this.solution = flags.contains("--solution") || "1".equals(System.getenv("JRUNC_SOLUTION"));
        this.hold = flags.contains("--hold");
        this.stretch = flags.contains("--stretch");
        int r = flags.indexOf("--record");
        this.record = r >= 0 && r + 1 < flags.size() ? Path.of(flags.get(r + 1)).toAbsolutePath() : null;
        this.repo = findRepository();
        // Where the reader cloned the repository differs: the book says <repo>.
        out.normalizer().rule(java.util.regex.Pattern.quote(repo.toString()), "<repo>");
        Path root = labRoot();
        if (!root.equals(DEFAULT_ROOT)) {
            out.normalizer().rule(java.util.regex.Pattern.quote(root.toString()) + "(?=/lab)", DEFAULT_ROOT.toString());
        }
        this.work = root.resolve("lab" + number);
    }

    /**
     * @param number    "03"
     * @param exercise  the exercise file, relative to the repository (the solution has the same name under solution/)
     */
    public static int run(String number, String title, String exercise, String[] args, Body body) {
        Lab lab;
        try {
            lab = new Lab(number, title, exercise, args);
        } catch (CannotRun e) {
            System.err.println("lab " + number + ": " + e.getMessage());
            return 2;
        }
        return lab.run(body);
    }

    private int run(Body body) {
        out.say("jrunc lab " + number + ": " + title);
        System.out.println("(" + (solution ? "running the solution: " + solutionFile()
                : stretch ? "running the solution for the main part, then your stretch exercise"
                : "running your exercise: " + exercise + "; the solution: --solution") + ")");
        Thread hook = new Thread(this::cleanUp, "lab-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int status;
        try {
            requireRoot();
            prepareWorkFolder();
            body.run(this);
            status = 0;
        } catch (ClaimFailed e) {
            status = 1;
        } catch (Skipped e) {
            out.blank();
            out.say("lab " + number + " " + e.getMessage());
            status = SKIPPED;
        } catch (CannotRun e) {
            out.blank();
            out.say("lab " + number + " could not run: " + e.getMessage());
            status = 2;
        } catch (Exception | Error e) {
            status = threw(e);
        }
        if (hold && System.console() != null) {
            // Held whatever the outcome: a failed lab is exactly when one wants to look around.
            System.out.println("\n(--hold: " + (status == 0 ? "the lab passed" : "the lab stopped here")
                    + "; everything it started still runs; look around, then press Enter to clean up)");
            try {
                System.in.read();
            } catch (IOException ignored) {
                // go on cleaning up
            }
        }
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or ran
        }
        out.blank();
        out.say(status == 0 ? "Lab " + number + " passed." : status == SKIPPED ? "Lab " + number + " was skipped." : "Lab " + number + " did not pass.");
        writeRecord();
        return status;
    }

    // --- what a lab body uses -------------------------------------------------------------------------------------

    public Out out() {
        return out;
    }

    /** Run the solution for the main exercise: with --solution, and with --stretch (the stretch builds on it). */
    public boolean solution() {
        return solution || stretch;
    }

    /**
     * The optional stretch exercise, after the main part: {@code exerciseFile} (relative to the repository, like
     * the main exercise; its solution under solution/) and the part of the lab that checks it. Without --stretch
     * (and without --solution) it is announced and skipped; with --stretch it runs the learner's stretch
     * exercise, and a failure points at its TODO; with --solution, the stretch solution.
     *
     * @param part receives true when the solution is to be used, false for the learner's stretch exercise
     */
    public void stretch(String title, String exerciseFile, StretchPart part) throws Exception {
        if (!solution && !stretch) {
            out.step("Stretch exercise (optional): " + title);
            out.say("For when the main exercise is done: " + exerciseFile + ", TODO(lab" + number + "). Check it with",
                    "./verify.sh lab" + number + " --stretch (the main part then runs the solution).");
            return;
        }
        out.step("Stretch exercise: " + title);
        String main = exercise;
        exercise = exerciseFile;
        inStretch = true;
        part.run(this, solution);
        inStretch = false;
        exercise = main;
    }

    /** Whether the code running now is a solution (so a failure is the machine's or the lab's, not the learner's). */
    private boolean runningSolution() {
        return solution || (stretch && !inStretch);
    }

    /** The body of a stretch exercise's part; {@code solution}: use the stretch solution, not the learner's file. */
    public interface StretchPart {
        void run(Lab lab, boolean solution) throws Exception;
    }

    public Path repo() {
        return repo;
    }

    /** This lab's own folder, /run/jrunc/labNN (or under JRUNC_LAB_ROOT): empty at the start, removed at the end. */
    public Path work() {
        return work;
    }

    public void step(String title) {
        out.step(title);
    }

    public void say(String... lines) {
        out.say(lines);
    }

    /** Registers a clean-up step; steps run in reverse order when the lab ends, however it ends. */
    public void cleanup(String what, Action action) {
        synchronized (cleanups) {
            cleanups.push(new CleanupStep(what, action));
        }
    }

    /**
     * A claim the lab checks. If it holds, a tick and the explanation. If not, the lab stops here; use
     * {@link #fail} instead where the reader needs to see what was expected and what happened.
     */
    public void check(boolean holds, String claim, String... explanation) {
        if (holds) {
            out.ok(claim, explanation);
        } else {
            throw stop(claim, new ArrayList<>(List.of(explanation)));
        }
    }

    /**
     * A claim the code just above has proven: it stopped the lab (with {@link #fail}, or an await that came to
     * nothing) had the claim not held. Printed as {@link #check} prints a claim that holds, with a tick; a sentence
     * that nothing proved is {@link #say}.
     */
    public void passed(String claim, String... explanation) {
        out.ok(claim, explanation);
    }

    /**
     * Stops the lab: the claim did not hold. Says what was expected, what happened instead, and which file and
     * TODO to look at.
     */
    public ClaimFailed fail(String claim, String expected, String actual) {
        List<String> lines = new ArrayList<>();
        if (!expected.isEmpty()) {
            lines.add("expected: " + expected);
        }
        if (!actual.isEmpty()) {
            lines.add("but:      " + actual);
        }
        return stop(claim, lines);
    }

    private ClaimFailed stop(String claim, List<String> lines) {
        if (runningSolution()) {
            lines.add("look at:  the solution itself failed (" + solutionFile() + "): the machine or the shim differs");
            lines.add("          from what this lab expects; see \"If it fails\" under \"Lab " + number + "\" in the workbook");
        } else {
            lines.add("look at:  " + exercise + ", TODO(lab" + number + ")");
        }
        out.failed(claim, lines);
        throw new ClaimFailed(claim);
    }

    /** Prints a snapshot like ps --forest and keeps it as a panel of this chapter's picture. */
    public void show(ProcessTree tree) {
        // ps's STAT of a multi-threaded process is its first thread's: R for the instant that thread runs (or is
        // about to). What the picture means does not change with that instant, so take it when nothing runs.
        await("the processes of \"" + tree.title() + "\" are between two steps (none in state R or D)",
                () -> tree.snapshot().nodes().stream().noneMatch(n -> n.proc().state() == 'R' || n.proc().state() == 'D'));
        out.say(tree.title() + ":");
        tree.nodes().forEach(n -> out.normalizer().pid(n.pid()));
        out.table(tree.realLines(), () -> tree.bookLines(out.normalizer()));
        picture.add(tree);
    }

    /**
     * Waits for a proof: something the lab can see on the machine (a process that has exec'd its program, a line in
     * a file, a state), never a span of time. The deadline only bounds a wait that went wrong: when the proof does
     * not come within a minute, the lab cannot go on, and says what it waited for.
     */
    public void await(String what, java.util.function.BooleanSupplier proof) {
        if (!Procs.await(PROOF_DEADLINE_MILLIS, proof)) {
            throw new CannotRun("waited " + PROOF_DEADLINE_MILLIS / 1000 + " s in vain for this: " + what);
        }
    }

    /** Remembers that this number is a pid, so the book renumbers it. */
    public int pid(int pid) {
        out.normalizer().pid(pid);
        return pid;
    }

    // --- internals ------------------------------------------------------------------------------------------------

    /**
     * An exception nobody caught. If it came out of the exercise (a frame of the exercise's package on its way),
     * that is the learner's to fix: say what was thrown and from which line, and point at the TODO (status 3).
     * Otherwise the lab itself broke (status 2), which is not the learner's doing.
     */
    private int threw(Throwable e) {
        String mine = runningSolution() ? ".solution." : ".exercise.";
        String labPackage = exercise.replaceAll("^labs/([^/]+)/.*$", "$1");
        StackTraceElement frame = null;
        for (Throwable t = e; t != null && frame == null; t = t.getCause()) {
            for (StackTraceElement f : t.getStackTrace()) {
                if (f.getClassName().startsWith(labPackage + mine)) {
                    frame = f;
                    break;
                }
            }
        }
        out.blank();
        if (frame == null || runningSolution()) {
            out.say("lab " + number + " broke: " + e);
            e.printStackTrace();
            return 2;
        }
        String file = exercise.substring(0, exercise.lastIndexOf('/') + 1) + frame.getFileName();
        List<String> lines = new ArrayList<>();
        lines.add("thrown:   " + e);
        lines.add("at:       " + file + ":" + frame.getLineNumber() + " (in " + frame.getMethodName() + ")");
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            lines.add("cause:    " + cause);
        }
        lines.add("look at:  " + exercise + ", TODO(lab" + number + ")");
        out.failed("Your code threw an exception, so the lab cannot go on", lines);
        return 3;
    }

    private String solutionFile() {
        return exercise.replace("/exercise/", "/solution/");
    }

    private void requireRoot() {
        if (!"0".equals(uid())) {
            throw new CannotRun("needs root (runc, containerd and the shim do): run it with sudo, or as root");
        }
    }

    private static String uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1];
                }
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "?";
    }

    /** A previous run that was killed may have left its folder (and things in it): clean those first. */
    private void prepareWorkFolder() throws IOException {
        if (Files.exists(work)) {
            Leftovers.clean(this, work);
        }
        Files.createDirectories(work);
        cleanup("remove " + work, () -> Leftovers.removeFolder(work));
    }

    private void cleanUp() {
        if (!cleaned.compareAndSet(false, true)) {
            return;
        }
        List<CleanupStep> steps;
        synchronized (cleanups) {
            steps = new ArrayList<>(cleanups);
            cleanups.clear();
        }
        if (steps.isEmpty()) {
            return;
        }
        out.step("Cleaning up");
        for (CleanupStep step : steps) {
            try {
                step.action().run();
                out.say("- " + step.what());
            } catch (Exception | Error e) {
                out.say("- " + step.what() + ": FAILED: " + e.getMessage());
            }
        }
    }

    private void writeRecord() {
        if (record == null) {
            return;
        }
        try {
            Files.createDirectories(record);
            Files.write(record.resolve("lab" + number + ".txt"), (String.join("\n", out.transcript()) + "\n").getBytes(StandardCharsets.UTF_8));
            if (!picture.isEmpty()) {
                Files.writeString(record.resolve("lab" + number + "-tree.svg"), TreePicture.svg(picture, out.normalizer()));
            }
        } catch (IOException e) {
            System.err.println("lab " + number + ": cannot write the record in " + record + ": " + e.getMessage());
        }
    }

    private static Path labRoot() {
        String root = System.getenv("JRUNC_LAB_ROOT");
        return root == null || root.isEmpty() ? DEFAULT_ROOT : Path.of(root).toAbsolutePath().normalize();
    }

    /** The repository: from the current folder upwards (JBang finds the catalog the same way), or $JRUNC_HOME. */
    private static Path findRepository() {
        String home = System.getenv("JRUNC_HOME");
        List<Path> candidates = new ArrayList<>();
        if (home != null && !home.isEmpty()) {
            candidates.add(Path.of(home));
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            candidates.add(p);
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p.resolve("jbang-catalog.json")) && Files.isRegularFile(p.resolve("shim/scripts/private-containerd.sh"))) {
                return p;
            }
        }
        throw new CannotRun("run the lab from inside the jrunc repository (or set JRUNC_HOME to it)");
    }
}
