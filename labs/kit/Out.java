package kit;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a lab prints goes through here, in the style of {@code shim/scripts/demo.sh}: a numbered step, plain
 * sentences, {@code $ commands} as one would type them, their output indented, and checked claims with a tick.
 *
 * <p>Each line goes to the terminal (with colour when it is one) and, normalized, to the transcript that the
 * workbook includes as the lab's literal expected output.
 */
public final class Out {
    private static final String BOLD = "\u001b[1m";
    private static final String DIM = "\u001b[2m";
    private static final String GREEN = "\u001b[32m";
    private static final String RED = "\u001b[31m";
    private static final String RESET = "\u001b[0m";

    private final PrintStream terminal = System.out;
    private final boolean colour = System.console() != null && System.getenv("NO_COLOR") == null;
    private final Normalizer normalizer;
    private final List<java.util.function.Supplier<String>> transcript = new ArrayList<>();

    Out(Normalizer normalizer) {
        this.normalizer = normalizer;
    }

    /** A value that differs between runs: the terminal shows {@code real}, the book {@code book}. */
    public static String vary(Object real, String book) {
        return "" + Normalizer.MARK_START + real + Normalizer.MARK_SPLIT + book + Normalizer.MARK_END;
    }

    /** A duration, shown as e.g. "42 ms" on the terminal and "<n> ms" in the book. */
    public static String millis(long millis) {
        return vary(millis + " ms", "<n> ms");
    }

    public void step(String title) {
        blank();
        emit(BOLD, "== " + title);
    }

    public void say(String... lines) {
        for (String line : lines) {
            emit(null, line);
        }
    }

    public void blank() {
        emit(null, "");
    }

    /** A command line as one would type it. */
    public void command(String line) {
        emit(DIM, "$ " + line);
    }

    /** Another program's output (or a listing), indented under the command that produced it. */
    public void output(String text) {
        if (text.isBlank()) {
            return;
        }
        for (String line : text.stripTrailing().split("\n", -1)) {
            emit(null, "    " + line);
        }
    }

    /**
     * A program's output that is a table with columns separated by runs of spaces ({@code ctr task ls}): the
     * terminal gets it as printed; the book gets it laid out again after normalizing, so that a pid with more or
     * fewer digits on another machine does not shift the columns.
     */
    public void outputTable(String text) {
        outputTable(text, 0);
    }

    /**
     * A table of {@code columns} columns, the last of which may contain spaces (ps's args): its cells are split on
     * any whitespace, since a program like ps separates columns by a single space when the values are wide.
     */
    public void outputTable(String text, int columns) {
        List<String> real = new ArrayList<>();
        for (String line : text.stripTrailing().split("\n")) {
            real.add(Normalizer.terminal(line));
        }
        table(real, () -> retab(text, columns));
    }

    private List<String> retab(String text, int splitInto) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : text.stripTrailing().split("\n")) {
            List<String> cells = new ArrayList<>();
            String[] split = splitInto > 0 ? line.trim().split("\\s+", splitInto) : line.trim().split("\\s{2,}|\t+");
            for (String cell : split) {
                cells.add(normalizer.book(cell));
            }
            rows.add(cells);
        }
        int columns = rows.stream().mapToInt(List::size).max().orElse(0);
        int[] width = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        List<String> book = new ArrayList<>();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i)).append(i + 1 < row.size() ? " ".repeat(width[i] - row.get(i).length() + 4) : "");
            }
            book.add(line.toString());
        }
        return book;
    }

    /**
     * Lines laid out twice, once with real and once with book values (tables whose widths differ). The book's
     * side is computed when the transcript is written, once every pid of the run is known.
     */
    public void table(List<String> real, java.util.function.Supplier<List<String>> book) {
        for (int i = 0; i < real.size(); i++) {
            terminal.println("    " + real.get(i));
            int row = i;
            transcript.add(() -> ("    " + book.get().get(row)).stripTrailing());
        }
        terminal.flush();
    }

    /** A claim the lab has just checked: a tick, then explaining lines indented. */
    public void ok(String claim, String... lines) {
        emit(GREEN, "✓ " + claim);
        for (String line : lines) {
            emit(null, "  " + line);
        }
    }

    /** A failed claim; goes to the terminal and the transcript like everything else. */
    public void failed(String claim, List<String> lines) {
        emit(RED, "✗ " + claim);
        for (String line : lines) {
            emit(null, "  " + line);
        }
    }

    public Normalizer normalizer() {
        return normalizer;
    }

    /** The book's version of everything printed so far (pids numbered now that all are known). */
    List<String> transcript() {
        return transcript.stream().map(java.util.function.Supplier::get).toList();
    }

    private void emit(String style, String line) {
        String real = Normalizer.terminal(line);
        terminal.println(colour && style != null ? style + real + RESET : real);
        terminal.flush();
        transcript.add(() -> normalizer.book(line).stripTrailing());
    }
}
