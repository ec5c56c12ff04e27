package kit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws a chapter's picture: process-tree snapshots side by side ("before", "after"), one box per process,
 * a line from each parent to its children, coloured by what the process is.
 *
 * <p>Drawn from the same snapshots the lab prints, with the book's pid numbers, so the picture is as true as the
 * lab's output and is checked with it. Plain SVG (rectangles, lines, text), which browsers and AsciidoctorJ PDF
 * both render.
 */
final class TreePicture {
    private static final int ROW = 52;
    private static final int BOX_HEIGHT = 40;
    private static final int INDENT = 30;
    private static final int PAD = 16;
    private static final int TITLE = 34;
    private static final int MAX_COMMAND = 52;
    private static final double CHAR_MONO = 6.7;
    private static final double CHAR_SANS = 7.0;

    private static final Map<ProcessTree.Kind, String[]> COLOURS = Map.of(
            ProcessTree.Kind.INIT, new String[] {"#eeeeee", "#888888"},
            ProcessTree.Kind.LAB, new String[] {"#ece4f7", "#7b57b0"},
            ProcessTree.Kind.CONTAINERD, new String[] {"#dde9f8", "#3d6fb4"},
            ProcessTree.Kind.SHIM, new String[] {"#dff2e1", "#3c8a4a"},
            ProcessTree.Kind.RUNC, new String[] {"#f2f2f2", "#777777"},
            ProcessTree.Kind.CONTAINER, new String[] {"#fde8d4", "#c06a1b"},
            ProcessTree.Kind.HELPER, new String[] {"#f7f3d9", "#9a8a2a"},
            ProcessTree.Kind.KUBELET, new String[] {"#e3f1f4", "#2b7a8c"});

    private TreePicture() {
    }

    static String svg(List<ProcessTree> panels, Normalizer normalizer) {
        List<String> parts = new ArrayList<>();
        int x = PAD;
        int height = 0;
        for (ProcessTree panel : panels) {
            int[] size = new int[2];
            parts.add(panel(panel, normalizer, x, size));
            x += size[0] + PAD * 2;
            height = Math.max(height, size[1]);
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">%n", x, height + PAD, x, height + PAD));
        svg.append(String.format("<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", x, height + PAD));
        parts.forEach(svg::append);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String panel(ProcessTree tree, Normalizer normalizer, int left, int[] size) {
        StringBuilder out = new StringBuilder();
        List<ProcessTree.Node> nodes = tree.nodes();
        int width = (int) (tree.title().length() * CHAR_SANS * 1.1);
        int[] boxWidth = new int[nodes.size()];
        String[] commands = new String[nodes.size()];
        String[] captions = new String[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            ProcessTree.Node n = nodes.get(i);
            String command = normalizer.book(Normalizer.bookSide(n.command()));
            commands[i] = command.length() > MAX_COMMAND ? command.substring(0, MAX_COMMAND - 1) + "…" : command;
            captions[i] = "pid " + normalizer.bookPid(n.pid()) + " · " + n.role() + (n.proc().zombie() ? " (zombie)" : "");
            boxWidth[i] = (int) Math.max(commands[i].length() * CHAR_MONO, captions[i].length() * CHAR_SANS) + 2 * 10;
            width = Math.max(width, tree.depth(n) * INDENT + boxWidth[i]);
        }
        out.append(String.format("<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\" fill=\"#333333\">%s</text>%n",
                left, PAD + 14, xml(tree.title())));
        for (int i = 0; i < nodes.size(); i++) {
            ProcessTree.Node n = nodes.get(i);
            int x = left + tree.depth(n) * INDENT;
            int y = PAD + TITLE + i * ROW;
            ProcessTree.Node parent = tree.parentOf(n);
            if (parent != null) {
                int p = nodes.indexOf(parent);
                int px = left + tree.depth(parent) * INDENT + 12;
                int py = PAD + TITLE + p * ROW + BOX_HEIGHT;
                out.append(String.format("<path d=\"M %d %d V %d H %d\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.5\"/>%n",
                        px, py, y + BOX_HEIGHT / 2, x));
            } else if (n.pid() != 1) {
                // Its parent is not in the picture (the shell that started the lab): say so rather than draw it.
                out.append(String.format("<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#777777\">parent not shown</text>%n",
                        x + boxWidth[i] + 6, y + BOX_HEIGHT / 2 + 4));
            }
            String[] colour = COLOURS.get(n.kind());
            boolean zombie = n.proc().zombie();
            out.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"%s/>%n",
                    x, y, boxWidth[i], BOX_HEIGHT, zombie ? "#ffffff" : colour[0], colour[1], zombie ? " stroke-dasharray=\"4 3\"" : ""));
            out.append(String.format("<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\" fill=\"%s\">%s</text>%n",
                    x + 10, y + 16, colour[1], xml(captions[i])));
            out.append(String.format("<text x=\"%d\" y=\"%d\" font-size=\"11\" font-family=\"DejaVu Sans Mono, monospace\" fill=\"#222222\">%s</text>%n",
                    x + 10, y + 32, xml(commands[i])));
        }
        size[0] = width + 90;
        size[1] = PAD + TITLE + nodes.size() * ROW;
        return out.toString();
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
