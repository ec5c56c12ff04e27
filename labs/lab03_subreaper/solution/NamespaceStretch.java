package lab03_subreaper.solution;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import lab03_subreaper.Lab03;
import lab03_subreaper.Lab03.Event;
import lab03_subreaper.Lab03.Exited;
import lab03_subreaper.Lab03.Spawned;
import lab03_subreaper.Lab03.Subreaper;

/**
 * Lab 03 stretch solution: every process belongs to a pid namespace, named here by its init (the machine's: 1).
 * The search for a subreaper stays inside the dying process's namespace; without one, its init adopts.
 */
public final class NamespaceStretch implements Lab03.Stretch {
    private static final int MACHINE = 1;

    @Override
    public Map<Integer, Integer> parents(List<Event> history) {
        Map<Integer, Integer> parent = new LinkedHashMap<>();
        Map<Integer, Integer> namespace = new HashMap<>();
        Set<Integer> subreapers = new HashSet<>();
        Set<Integer> exited = new HashSet<>();
        for (Event event : history) {
            if (event instanceof Spawned s) {
                parent.put(s.child(), s.parent());
                namespace.put(s.child(), s.newPidNamespace() ? s.child() : namespace.getOrDefault(s.parent(), MACHINE));
            } else if (event instanceof Subreaper s) {
                subreapers.add(s.pid());
            } else if (event instanceof Exited x) {
                exited.add(x.pid());
                int heir = heir(x.pid(), parent, namespace, subreapers, exited);
                parent.replaceAll((child, p) -> p == x.pid() ? heir : p);
            }
        }
        parent.keySet().removeAll(exited);
        return parent;
    }

    private static int heir(int dying, Map<Integer, Integer> parent, Map<Integer, Integer> namespace,
                            Set<Integer> subreapers, Set<Integer> exited) {
        int ns = namespace.getOrDefault(dying, MACHINE);
        for (Integer p = parent.get(dying); p != null && namespace.getOrDefault(p, MACHINE) == ns; p = parent.get(p)) {
            if (subreapers.contains(p) && !exited.contains(p)) {
                return p;
            }
        }
        return ns;      // the namespace's init (a namespace whose init exits dies with it: not modelled here)
    }
}
