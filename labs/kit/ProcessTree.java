package kit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The processes a lab is about, at one moment: who is whose parent, which session and group each is in.
 *
 * <p>A lab names the processes it wants to show and what each one is (its {@link Kind} and role); the snapshot
 * reads them from {@code /proc}. It prints like {@code ps -o pid,ppid,pgid,sid,stat,args --forest} and is drawn as
 * one panel of the chapter's picture ({@link TreePicture}).
 */
public final class ProcessTree {

    /** What a process is, for the picture's colours. */
    public enum Kind { INIT, LAB, CONTAINERD, SHIM, RUNC, CONTAINER, HELPER, KUBELET }

    /** One process in the tree; {@code display} replaces the command line when it is too long or volatile. */
    public record Node(Procs.Proc proc, Kind kind, String role, String display) {
        public int pid() {
            return proc.pid();
        }

        String command() {
            return display != null ? display : proc.command();
        }
    }

    private record Wanted(int pid, Kind kind, String role, String display) {
    }

    private final String title;
    private final List<Wanted> wanted = new ArrayList<>();
    private List<Node> nodes;
    private boolean inOrderShown;

    private ProcessTree(String title) {
        this.title = title;
    }

    public static ProcessTree titled(String title) {
        return new ProcessTree(title);
    }

    /**
     * Siblings in the order they were named rather than by pid: for a picture of many processes started by others
     * (kubelet, containerd), whose pids come in no fixed order from run to run (pid numbers wrap around).
     */
    public ProcessTree inOrderShown() {
        inOrderShown = true;
        return this;
    }

    /** pid 1: whatever the machine runs as init; the book calls it "init". */
    public ProcessTree init() {
        Procs.Proc one = Procs.read(1);
        String real = one == null ? "init" : one.command();
        return show(1, Kind.INIT, "init", Out.vary(real.length() > 60 ? real.substring(0, 57) + "..." : real, "init"));
    }

    public ProcessTree show(int pid, Kind kind, String role) {
        return show(pid, kind, role, null);
    }

    public ProcessTree show(int pid, Kind kind, String role, String display) {
        if (pid > 0) {
            wanted.add(new Wanted(pid, kind, role, display));
        }
        return this;
    }

    /** Reads every named process now; those that no longer exist are left out. */
    public ProcessTree snapshot() {
        Map<Integer, Node> found = new LinkedHashMap<>();
        for (Wanted w : wanted) {
            Procs.Proc proc = Procs.read(w.pid());
            if (proc != null && !found.containsKey(w.pid())) {
                found.put(w.pid(), new Node(proc, w.kind(), w.role(), w.display()));
            }
        }
        List<Node> named = List.copyOf(found.values());
        nodes = forestOrder(new ArrayList<>(named), inOrderShown ? Comparator.comparingInt(named::indexOf) : IN_START_ORDER);
        return this;
    }

    public String title() {
        return title;
    }

    public List<Node> nodes() {
        if (nodes == null) {
            snapshot();
        }
        return nodes;
    }

    public boolean contains(int pid) {
        return nodes().stream().anyMatch(n -> n.pid() == pid);
    }

    /** How deep a node sits under the shown roots (0 for a root). */
    public int depth(Node node) {
        int depth = 0;
        Node current = node;
        while ((current = parentOf(current)) != null) {
            depth++;
        }
        return depth;
    }

    public Node parentOf(Node node) {
        if (node.pid() == 1) {
            return null;
        }
        return nodes().stream().filter(n -> n.pid() == node.proc().ppid()).findFirst().orElse(null);
    }

    /** ps-style lines with real values, as the terminal shows them. */
    List<String> realLines() {
        return lines(pid -> Integer.toString(pid), Normalizer::terminal, false);
    }

    /** The same lines as the book shows them: pids renumbered, volatile commands replaced, pid 1's flags left out. */
    List<String> bookLines(Normalizer normalizer) {
        nodes().forEach(n -> normalizer.pid(n.pid()));
        return lines(pid -> Integer.toString(normalizer.bookPid(pid)), text -> normalizer.book(Normalizer.bookSide(text)), true);
    }

    private List<String> lines(IntFunction<String> number, java.util.function.UnaryOperator<String> text, boolean book) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"PID", "PPID", "PGID", "SID", "STAT", "COMMAND"});
        for (Node n : nodes()) {
            Procs.Proc p = n.proc();
            String indent = depth(n) == 0 ? "" : "    ".repeat(depth(n) - 1) + " \\_ ";
            rows.add(new String[] {number.apply(p.pid()), relative(p, p.ppid(), number, book), relative(p, p.pgid(), number, book),
                    relative(p, p.sid(), number, book), book && p.pid() == 1 ? "S" : p.stat(), indent + text.apply(n.command())});
        }
        int[] width = new int[5];
        for (String[] row : rows) {
            for (int i = 0; i < 5; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                line.append(" ".repeat(width[i] - row[i].length())).append(row[i]).append(' ');
            }
            line.append(row[4]).append(" ".repeat(width[4] - row[4].length() + 1)).append(row[5]);
            lines.add(line.toString());
        }
        return lines;
    }

    /**
     * In the book, a ppid/pgid/sid that is none of the shown processes (the shell that started the lab, a
     * terminal's session) is printed as "-": it differs with how the lab was started, not with what it shows.
     * So is a 0 anywhere but on pid 1's own row: a process started by pid 1 without a session of its own (a CI
     * runner, a bare VM init) inherits session 0, where a terminal would have given it a real one.
     */
    private String relative(Procs.Proc row, int pid, IntFunction<String> number, boolean book) {
        if (!book || (pid == 0 && row.pid() == 1) || pid == 1 || contains(pid)) {
            return number.apply(pid);
        }
        return "-";
    }

    /** Oldest first, as pids would say if they never wrapped around (see {@link Procs.Proc#startTicks}). */
    private static final Comparator<Node> IN_START_ORDER =
            Comparator.comparingLong((Node n) -> n.proc().startTicks()).thenComparingInt(Node::pid);

    /** Roots first, each followed by its descendants, depth first; siblings in {@code order} (by start, or as named). */
    private static List<Node> forestOrder(List<Node> all, Comparator<Node> order) {
        all.sort(order);
        List<Node> ordered = new ArrayList<>();
        for (Node n : all) {
            boolean hasShownParent = n.pid() != 1 && all.stream().anyMatch(m -> m.pid() == n.proc().ppid());
            if (!hasShownParent) {
                addWithChildren(n, all, ordered);
            }
        }
        return ordered;
    }

    private static void addWithChildren(Node node, List<Node> all, List<Node> ordered) {
        ordered.add(node);
        for (Node child : all) {
            if (child.pid() != 1 && child.proc().ppid() == node.pid() && child != node) {
                addWithChildren(child, all, ordered);
            }
        }
    }
}
