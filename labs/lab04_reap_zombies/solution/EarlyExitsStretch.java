package lab04_reap_zombies.solution;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

import lab04_reap_zombies.Lab04;

/**
 * Lab 04 stretch solution: one bounded map of exits per open window; offers go to every open window, and a
 * closed window's exits are dropped with it. One lock: offers come from the reaper thread, opens and closes from
 * the task service's threads.
 */
public final class EarlyExitsStretch implements Lab04.Stretch {
    private static final int MAX_PER_WINDOW = 4096;

    private final Map<Integer, Map<Integer, Integer>> windows = new LinkedHashMap<>();
    private int next;

    @Override
    public synchronized int open() {
        windows.put(++next, new LinkedHashMap<>());
        return next;
    }

    @Override
    public synchronized boolean offer(int pid, int status) {
        for (Map<Integer, Integer> seen : windows.values()) {
            seen.put(pid, status);
            if (seen.size() > MAX_PER_WINDOW) {
                Iterator<Integer> oldest = seen.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        return !windows.isEmpty();
    }

    @Override
    public synchronized OptionalInt close(int window, int pid) {
        Map<Integer, Integer> seen = windows.remove(window);
        Integer status = seen == null ? null : seen.get(pid);
        return status == null ? OptionalInt.empty() : OptionalInt.of(status);
    }

    @Override
    public synchronized int kept() {
        return windows.values().stream().mapToInt(Map::size).sum();
    }
}
