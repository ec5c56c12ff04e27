package lab03_subreaper.solution;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.jrunc.shim.posix.Posix;
import lab03_subreaper.Lab03;
import lab03_subreaper.Lab03.Event;
import lab03_subreaper.Lab03.Exec;
import lab03_subreaper.Lab03.Exited;
import lab03_subreaper.Lab03.Spawned;
import lab03_subreaper.Lab03.Subreaper;

/**
 * Lab 03 solution: the kernel's rule. The flag belongs to the process that set it: a child does not inherit it,
 * execve keeps it. When a process exits, its children go to the nearest ancestor above it that has the flag and
 * is not exiting itself, or to pid 1.
 */
public final class Adoption implements Lab03.Exercise {

    @Override
    public Map<Integer, Integer> parents(List<Event> history) {
        Map<Integer, Integer> parent = new LinkedHashMap<>();
        Set<Integer> subreapers = new HashSet<>();
        Set<Integer> exited = new HashSet<>();
        for (Event event : history) {
            if (event instanceof Spawned s) {
                parent.put(s.child(), s.parent());       // and no flag: it is not inherited
            } else if (event instanceof Subreaper s) {
                subreapers.add(s.pid());
            } else if (event instanceof Exec) {
                // same process, same flag: execve keeps it
            } else if (event instanceof Exited x) {
                exited.add(x.pid());
                int heir = heir(x.pid(), parent, subreapers, exited);
                parent.replaceAll((child, p) -> p == x.pid() ? heir : p);
            }
        }
        parent.keySet().removeAll(exited);
        return parent;
    }

    /** The nearest living subreaper above the one exiting (never itself), else pid 1. */
    private static int heir(int dying, Map<Integer, Integer> parent, Set<Integer> subreapers, Set<Integer> exited) {
        for (Integer p = parent.get(dying); p != null; p = parent.get(p)) {
            if (subreapers.contains(p) && !exited.contains(p)) {
                return p;
            }
        }
        return 1;
    }

    @Override
    public void become() throws Exception {
        Posix.setChildSubreaper();
    }
}
