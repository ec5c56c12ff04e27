package kit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what a lab prints into the text the workbook shows, which must be the same on every run and machine.
 *
 * <p>Three kinds of values change from run to run: pids, values the lab marks as volatile when it prints them
 * (durations, versions), and a few patterns in other programs' output (timestamps, socket hashes). Pids are
 * renumbered 2001, 2002, … in the order the lab first names them (pid 1 stays 1), so the book still reads like
 * real output and "the same pid" is still the same number. Marked values become the placeholder the lab chose.
 */
public final class Normalizer {
    /** Marks a volatile value inline: {@code MARK_START real MARK_SPLIT book MARK_END}. */
    static final char MARK_START = '\u0001';
    static final char MARK_SPLIT = '\u0002';
    static final char MARK_END = '\u0003';
    private static final int FIRST_BOOK_PID = 2001;
    /** Numbers this small are exit codes, signals, counts: never treated as pids. */
    private static final int SMALLEST_PID = 300;
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+\\b");

    /** Every pid the lab has shown, in the order the lab first named it. */
    private final java.util.Set<Integer> knownPids = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    private final List<Pattern> patterns = new ArrayList<>();
    private final List<String> replacements = new ArrayList<>();

    public Normalizer() {
        // ctr events: "2026-11-27 12:15:19.123456789 +0000 UTC"
        rule("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? \\+0000 UTC", "<time>");
        rule("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "<time>");
        rule("/run/containerd/s/[0-9a-f]{64}", "/run/containerd/s/<sha256>");
        rule("/fifo/\\d{4,}/", "/fifo/<random>/");
    }

    /** Adds a pattern whose every match is replaced (for other programs' output). */
    public void rule(String regex, String replacement) {
        patterns.add(Pattern.compile(regex));
        replacements.add(replacement);
    }

    /** From now on this number is a pid wherever it appears in the output. */
    public void pid(int pid) {
        if (pid >= SMALLEST_PID) {
            knownPids.add(pid);
        }
    }

    /**
     * The number the book shows for a real pid: 2001 for the first pid the lab named, 2002 for the second, … The
     * lab names them in the order it starts or meets them, which is the same on every run, while the kernel's
     * numbers are not even in order (they wrap around at pid_max on a busy machine).
     */
    public int bookPid(int pid) {
        if (pid < SMALLEST_PID) {
            return pid;
        }
        synchronized (knownPids) {
            knownPids.add(pid);
            int index = 0;
            for (int known : knownPids) {
                if (known == pid) {
                    break;
                }
                index++;
            }
            return FIRST_BOOK_PID + index;
        }
    }

    /** The text as the terminal shows it: marked values at their real value. */
    public static String terminal(String text) {
        return resolveMarks(text, true);
    }

    /** Only the book's half of marked values; nothing else changed. */
    public static String bookSide(String text) {
        return resolveMarks(text, false);
    }

    /** The text as the book shows it. */
    public String book(String text) {
        String out = resolveMarks(text, false);
        for (int i = 0; i < patterns.size(); i++) {
            out = patterns.get(i).matcher(out).replaceAll(Matcher.quoteReplacement(replacements.get(i)));
        }
        Matcher m = NUMBER.matcher(out);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String digits = m.group();
            String replacement = digits;
            if (digits.length() < 10) {
                int n = Integer.parseInt(digits);
                if (knownPids.contains(n)) {
                    replacement = Integer.toString(bookPid(n));
                }
            }
            m.appendReplacement(sb, replacement);
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String resolveMarks(String text, boolean real) {
        if (text.indexOf(MARK_START) < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int start = text.indexOf(MARK_START, at);
            if (start < 0) {
                out.append(text, at, text.length());
                return out.toString();
            }
            int split = text.indexOf(MARK_SPLIT, start);
            int end = text.indexOf(MARK_END, split);
            out.append(text, at, start);
            out.append(real ? text.substring(start + 1, split) : text.substring(split + 1, end));
            at = end + 1;
        }
    }
}
