package dev.jrunc.shim.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What one process holds right now, from /proc: open fds (and how many of them are sockets or pipes), threads,
 * resident memory. The leak drills compare two samples.
 */
record ProcessSample(long pid, int fds, int sockets, int pipes, int threads, long rssKb, Map<String, Integer> fdKinds) {

    static ProcessSample of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        int fds = 0;
        int sockets = 0;
        int pipes = 0;
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> entries = Files.list(proc.resolve("fd"))) {
            for (Path fd : entries.toList()) {
                fds++;
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                kinds.merge(kind(target), 1, Integer::sum);
                if (target.startsWith("socket:")) {
                    sockets++;
                } else if (target.startsWith("pipe:")) {
                    pipes++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the fds of pid " + pid, e);
        }
        int threads = 0;
        long rss = -1;
        try {
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring(8).trim());
                } else if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status of pid " + pid, e);
        }
        return new ProcessSample(pid, fds, sockets, pipes, threads, rss, kinds);
    }

    /** What an fd is open on, without the inode numbers that make every socket and pipe distinct. */
    private static String kind(String target) {
        return target.replaceFirst("^(socket|pipe):\\[\\d+\\]$", "$1");
    }

    /** Files removed from their folder that an fd still holds open (what the kernel marks " (deleted)"). */
    Set<String> deletedFiles() {
        Set<String> deleted = new TreeSet<>();
        for (String kind : fdKinds.keySet()) {
            if (kind.endsWith(" (deleted)")) {
                deleted.add(kind);
            }
        }
        return deleted;
    }

    /** The kinds of fd whose counts differ from {@code other}'s: what a failed comparison of fds shows. */
    String fdDifference(ProcessSample other) {
        Map<String, String> diff = new TreeMap<>();
        Set<String> kinds = new TreeSet<>(fdKinds.keySet());
        kinds.addAll(other.fdKinds.keySet());
        for (String kind : kinds) {
            int mine = fdKinds.getOrDefault(kind, 0);
            int theirs = other.fdKinds.getOrDefault(kind, 0);
            if (mine != theirs) {
                diff.put(kind, mine + " → " + theirs);
            }
        }
        return diff.toString();
    }

    @Override
    public String toString() {
        return "fds " + fds + " (sockets " + sockets + ", pipes " + pipes + "), threads " + threads + ", RSS " + rssKb / 1024 + " MiB";
    }
}
