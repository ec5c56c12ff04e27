package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import dev.jrunc.shim.posix.Posix;

/**
 * cgroup v2 has no OOM fd. The kernel instead counts OOM kills in the cgroup's memory.events ({@code oom_kill N})
 * and notifies a change of that file as a modification, which inotify reports. So: one inotify fd per container,
 * watching memory.events (for the count) and cgroup.events (whose {@code populated 0} says the last process has
 * left: nothing more can happen).
 */
final class V2MemoryEventsWatch implements OomSource {
    private static final int BUFFER = 4096; // inotify events are 16 bytes plus a name (none for a watched file)

    private final String containerId;
    private final Path dir;
    private final int inotifyFd;
    /** oom_kill as last seen; like containerd, starts at 0, so kills before the watch began are reported once. */
    private long lastOomKills;

    private V2MemoryEventsWatch(String containerId, Path dir, int inotifyFd) {
        this.containerId = containerId;
        this.dir = dir;
        this.inotifyFd = inotifyFd;
    }

    static V2MemoryEventsWatch register(String containerId, Path dir) throws IOException {
        int fd = Posix.inotifyInit(Posix.IN_CLOEXEC);
        try {
            Posix.inotifyAddWatch(fd, dir.resolve("memory.events").toString(), Posix.IN_MODIFY);
            Posix.inotifyAddWatch(fd, dir.resolve("cgroup.events").toString(), Posix.IN_MODIFY);
            return new V2MemoryEventsWatch(containerId, dir, fd);
        } catch (IOException e) {
            Posix.close(fd);
            throw e;
        }
    }

    /** True if the cgroup has no process left (the container may end before the watch is set up). */
    boolean isEmpty() throws IOException {
        return !populated(dir);
    }

    @Override
    public String containerId() {
        return containerId;
    }

    @Override
    public int fd() {
        return inotifyFd;
    }

    @Override
    public Wakeup onReadable() throws IOException {
        Posix.read(inotifyFd, new byte[BUFFER], BUFFER); // which file changed does not matter: both are re-read
        Optional<String> events = CgroupFiles.read(dir.resolve("memory.events"));
        if (events.isEmpty()) {
            return new Wakeup(false, true);
        }
        long oomKills = CgroupFiles.parseKeyValues(events.get()).getOrDefault("oom_kill", 0L);
        boolean oomKill = oomKills > lastOomKills;
        lastOomKills = Math.max(lastOomKills, oomKills);
        return new Wakeup(oomKill, !populated(dir));
    }

    /** cgroup.events says "populated 1" while any process is in the cgroup or below it. */
    static boolean populated(Path dir) throws IOException {
        Map<String, Long> events = CgroupFiles.readKeyValues(dir.resolve("cgroup.events"));
        return events.getOrDefault("populated", 0L) != 0;
    }

    @Override
    public void close() {
        Posix.close(inotifyFd);
    }
}
