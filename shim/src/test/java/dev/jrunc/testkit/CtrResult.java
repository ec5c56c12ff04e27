package dev.jrunc.testkit;

import java.util.List;

/**
 * What a finished command (usually {@code ctr}) returned: its exit code and its stdout and stderr, captured
 * separately. {@link #toString()} shows all of it, so {@code assertEquals(0, r.exitCode(), r::toString)}
 * explains a failure by itself.
 *
 * @param exitCode the process's exit code
 * @param stdout   everything it wrote to stdout (UTF-8)
 * @param stderr   everything it wrote to stderr (UTF-8)
 * @param command  the command line that ran (for messages)
 */
public record CtrResult(int exitCode, String stdout, String stderr, List<String> command) {

    public CtrResult {
        command = List.copyOf(command);
    }

    public CtrResult(int exitCode, String stdout, String stderr) {
        this(exitCode, stdout, stderr, List.of());
    }

    /** True if the exit code is 0. */
    public boolean ok() {
        return exitCode == 0;
    }

    /** Returns this result if the exit code is 0, otherwise throws an AssertionError that shows everything. */
    public CtrResult assertOk() {
        if (!ok()) {
            throw new AssertionError("command failed: " + this);
        }
        return this;
    }

    /** stdout split into lines, without blank lines. */
    public List<String> stdoutLines() {
        return stdout.lines().filter(l -> !l.isBlank()).toList();
    }

    @Override
    public String toString() {
        return (command.isEmpty() ? "command" : "`" + String.join(" ", command) + "`") + " exited " + exitCode
                + "\n--- stdout ---\n" + (stdout.isEmpty() ? "(empty)\n" : withNewline(stdout))
                + "--- stderr ---\n" + (stderr.isEmpty() ? "(empty)\n" : withNewline(stderr))
                + "--------------";
    }

    private static String withNewline(String s) {
        return s.endsWith("\n") ? s : s + "\n";
    }
}
