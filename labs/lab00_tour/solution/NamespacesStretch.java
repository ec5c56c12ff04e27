package lab00_tour.solution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import lab00_tour.Lab00;

/**
 * Lab 00 stretch solution: NSpid has one tab-separated number per namespace level, the machine's first; the
 * link /proc/<pid>/ns/pid reads {@code pid:[inode]}, the same text for every process of one namespace.
 */
public final class NamespacesStretch implements Lab00.Stretch {

    @Override
    public List<Integer> nsPids(int pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("NSpid:")) {
                List<Integer> pids = new ArrayList<>();
                for (String number : line.substring("NSpid:".length()).trim().split("\\s+")) {
                    pids.add(Integer.parseInt(number));
                }
                return pids;
            }
        }
        throw new IOException("no NSpid line in /proc/" + pid + "/status (a kernel older than 4.1?)");
    }

    @Override
    public boolean samePidNamespace(int a, int b) throws IOException {
        return namespace(a).equals(namespace(b));
    }

    private static String namespace(int pid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "ns", "pid")).toString();
    }
}
