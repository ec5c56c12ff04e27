package dev.jrunc.shim.posix;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes {@code ps} show the shim the way it shows the Go shim: {@code containerd-shim-jrunc-v2 -namespace …
 * -id … -address …} rather than {@code java -XX:… -cp … dev.jrunc.shim.cli.Main …}.
 *
 * <p>{@code ps} reads a process's arguments from its own memory (the argv area the kernel set up at exec; see
 * {@code /proc/<pid>/cmdline}) and its short name from {@code /proc/<pid>/comm}. A process may rewrite both,
 * as setproctitle(3) does in C. Purely cosmetic; any failure is ignored.
 */
public final class ProcessTitle {
    private static final int COMM_MAX = 15;
    private static final int PR_SET_MM = 35;
    private static final int PR_SET_MM_ARG_END = 9;

    private ProcessTitle() {
    }

    public static void set(List<String> argv) {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after "(comm) ": field 3 is index 0, so arg_start (48) and arg_end (49) are at 45 and 46
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long argStart = Long.parseLong(fields[45]);
            long argEnd = Long.parseLong(fields[46]);
            byte[] title = (String.join("\0", argv) + "\0").getBytes(StandardCharsets.UTF_8);
            if (title.length > argEnd - argStart) {
                return;
            }
            byte[] area = new byte[(int) (argEnd - argStart)];
            System.arraycopy(title, 0, area, 0, title.length);
            try (RandomAccessFile memory = new RandomAccessFile("/proc/self/mem", "rw")) {
                memory.seek(argStart);
                memory.write(area);
            }
            // Shrink the argv area to the new title, so /proc/<pid>/cmdline has no trailing empty arguments.
            // Needs CAP_SYS_RESOURCE (root, as containerd runs shims); without it the padding stays, harmless.
            Posix.libc().prctl(PR_SET_MM, PR_SET_MM_ARG_END, argStart + title.length, 0, 0);
            String name = Path.of(argv.get(0)).getFileName().toString();
            Files.writeString(Path.of("/proc/self/comm"), name.length() > COMM_MAX ? name.substring(0, COMM_MAX) : name);
        } catch (IOException | RuntimeException e) {
            // cosmetic only
        }
    }
}
