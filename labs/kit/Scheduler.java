package kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * Stacks the scheduler's odds, for a lab that must show a race come out the same way every time.
 *
 * <p>Two threads blocked in {@code waitpid} are woken together when a child exits, and on a machine with several
 * CPUs either may get there first: a race. A lab that wants a fixed winner arranges two things: every thread of
 * this process (and every child it starts from now on, which inherits the CPU mask) runs on one CPU, so only one of
 * them runs at a time; and the thread that must win is made real-time ({@code SCHED_FIFO}), which the kernel
 * always runs before any ordinary thread on that CPU. The shim itself never does this: it is stage scenery.
 */
public final class Scheduler implements AutoCloseable {

    /** glibc's declarations (x86-64 and aarch64 Linux); masks and sched_param are passed as arrays. */
    public interface Calls {
        int sched_getaffinity(int tid, long size, byte[] mask);

        int sched_setaffinity(int tid, long size, byte[] mask);

        int sched_setscheduler(int tid, int policy, int[] priority);
    }

    private static final int SCHED_OTHER = 0;
    private static final int SCHED_FIFO = 1;
    private static final int MASK_BYTES = 128;   // glibc's cpu_set_t: 1024 CPUs

    private final Calls calls;
    private final Runtime runtime;
    private final byte[] originalMask;
    private final int cpu;
    private final List<Integer> realtimeThreads = new ArrayList<>();

    private Scheduler(Calls calls) {
        this.calls = calls;
        this.runtime = Runtime.getRuntime(calls);
        this.originalMask = new byte[MASK_BYTES];
        check(calls.sched_getaffinity(0, MASK_BYTES, originalMask), "sched_getaffinity");
        this.cpu = lowestCpu(originalMask);
    }

    /** Puts every thread of this process on one CPU (the lowest it may use); {@link #close} undoes it. */
    public static Scheduler oneCpu() {
        Scheduler scheduler = new Scheduler(LibraryLoader.create(Calls.class).load("c"));
        byte[] only = new byte[MASK_BYTES];
        only[scheduler.cpu / 8] = (byte) (1 << (scheduler.cpu % 8));
        for (int tid : threads()) {
            // A thread may end between the listing and the call (ESRCH): nothing to pin then.
            scheduler.calls.sched_setaffinity(tid, MASK_BYTES, only);
        }
        check(scheduler.calls.sched_setaffinity(0, MASK_BYTES, only), "sched_setaffinity", scheduler);
        return scheduler;
    }

    public int cpu() {
        return cpu;
    }

    /** Makes one thread real-time (SCHED_FIFO, lowest real-time priority): it now runs before every ordinary thread. */
    public void realtime(int tid) {
        check(calls.sched_setscheduler(tid, SCHED_FIFO, new int[] {1}), "sched_setscheduler(SCHED_FIFO)", this);
        realtimeThreads.add(tid);
    }

    /** Back to the ordinary scheduler and to all the CPUs the process had. */
    @Override
    public void close() {
        for (int tid : realtimeThreads) {
            calls.sched_setscheduler(tid, SCHED_OTHER, new int[] {0});
        }
        realtimeThreads.clear();
        for (int tid : threads()) {
            calls.sched_setaffinity(tid, MASK_BYTES, originalMask);
        }
        calls.sched_setaffinity(0, MASK_BYTES, originalMask);
    }

    /** The thread id of this process's thread with that name (Java thread names are the kernel's, up to 15 bytes). */
    public static int threadNamed(String name) {
        for (int tid : threads()) {
            if (name.equals(read(taskFile(tid, "comm")))) {
                return tid;
            }
        }
        throw new Lab.CannotRun("this process has no thread named " + name);
    }

    /** True while the thread sleeps inside waitpid/wait4 (the kernel's do_wait), waiting for a child. */
    public static boolean blockedInWait(int tid) {
        return "do_wait".equals(read(taskFile(tid, "wchan")));
    }

    private static List<Integer> threads() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new Lab.CannotRun("cannot list /proc/self/task: " + e.getMessage());
        }
    }

    private static Path taskFile(int tid, String name) {
        return Path.of("/proc/self/task", Integer.toString(tid), name);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException gone) {
            return "";
        }
    }

    private static int lowestCpu(byte[] mask) {
        for (int i = 0; i < mask.length * 8; i++) {
            if ((mask[i / 8] & (1 << (i % 8))) != 0) {
                return i;
            }
        }
        throw new Lab.CannotRun("sched_getaffinity returned no CPU");
    }

    private static void check(int result, String call) {
        if (result != 0) {
            throw new Lab.CannotRun(call + " failed");
        }
    }

    private static void check(int result, String call, Scheduler scheduler) {
        if (result != 0) {
            int errno = scheduler.runtime.getLastError();
            scheduler.close();
            throw new Lab.CannotRun(call + " failed: " + dev.jrunc.shim.posix.Posix.strerror(errno)
                    + " (a container or a cgroup without real-time budget refuses it; run the lab on a VM or host)");
        }
    }
}
