package lab00_tour.exercise;

import java.io.IOException;
import java.util.List;

import lab00_tour.Lab00;

/**
 * Lab 00 stretch exercise: a container's processes have two pids, the machine's and their own namespace's. Check
 * it with {@code ./verify.sh lab00 --stretch}.
 */
public final class NamespacesStretch implements Lab00.Stretch {

    @Override
    public List<Integer> nsPids(int pid) throws IOException {
        // TODO(lab00): the pid `pid` has in each pid namespace it belongs to, from the machine's to its own: the
        //   NSpid line of /proc/<pid>/status (`man 5 proc`; compare `grep NSpid /proc/self/status` with the line of
        //   a container's process). The lab asks about the shim, the container's init and the awkward process.
        return List.of();
    }

    @Override
    public boolean samePidNamespace(int a, int b) throws IOException {
        // TODO(lab00): whether a and b are in the same pid namespace. Each namespace has an identity that
        //   /proc/<pid>/ns/ shows (`man 7 namespaces`, "The /proc/[pid]/ns/ directory"; try `ls -l /proc/self/ns`).
        return true;
    }
}
