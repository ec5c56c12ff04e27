package kit;

/**
 * Long sentences in a failed claim's {@code expected:} and {@code but:} lines, broken at spaces so that they fit a
 * terminal and go on under their own start: {@code lab.fail(claim, Wrap.claim(expected), Wrap.claim(actual))}.
 */
public final class Wrap {
    /** The columns a line may take in all, and the indentation of the text after "  but:      ". */
    private static final int WIDTH = 116;
    private static final int INDENT = 12;

    private Wrap() {
    }

    /** The text, broken into lines of at most {@code WIDTH - INDENT} characters, each continuation indented. */
    public static String claim(String text) {
        StringBuilder out = new StringBuilder();
        int lineLength = 0;
        for (String word : text.split(" ")) {
            if (lineLength > 0 && lineLength + 1 + word.length() > WIDTH - INDENT) {
                out.append('\n').append(" ".repeat(INDENT));
                lineLength = 0;
            } else if (lineLength > 0) {
                out.append(' ');
                lineLength++;
            }
            out.append(word);
            lineLength += word.length();
        }
        return out.toString();
    }
}
