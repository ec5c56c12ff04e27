package dev.jrunc.shim.stdio;

/**
 * Where a process's stdin, stdout and stderr go, as containerd names them: FIFO paths the client created
 * (e.g. /run/containerd/fifo/…/c1-stdout), {@code file:///path} for a log file, or "" for none.
 */
public record Stdio(String stdin, String stdout, String stderr, boolean terminal) {

    public boolean isNull() {
        return stdin.isEmpty() && stdout.isEmpty() && stderr.isEmpty();
    }
}
