package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.jrunc.shim.posix.Posix;

/**
 * cgroup v1's OOM notification (Documentation/admin-guide/cgroup-v1/memory.rst, "OOM Control"): create an
 * eventfd, open the cgroup's memory.oom_control, and write "EVENTFD OOM_CONTROL_FD" into its
 * cgroup.event_control. From then on the kernel adds 1 to the eventfd's counter each time the cgroup runs out
 * of memory, and once more when the cgroup is removed, which is how we learn that it is gone.
 */
final class V1OomEventFd implements OomSource {
    private final String containerId;
    private final Path memoryDir;
    private final int eventFd;

    private V1OomEventFd(String containerId, Path memoryDir, int eventFd) {
        this.containerId = containerId;
        this.memoryDir = memoryDir;
        this.eventFd = eventFd;
    }

    static V1OomEventFd register(String containerId, Path memoryDir) throws IOException {
        int eventFd = Posix.eventfd(Posix.EFD_CLOEXEC);
        int oomControl = -1;
        int eventControl = -1;
        try {
            oomControl = Posix.open(memoryDir.resolve("memory.oom_control").toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
            eventControl = Posix.open(memoryDir.resolve("cgroup.event_control").toString(), Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
            // The kernel looks both fds up in our fd table while we write, and keeps its own references: the
            // oom_control fd may be closed right after.
            byte[] registration = (eventFd + " " + oomControl).getBytes(StandardCharsets.US_ASCII);
            Posix.writeFully(eventControl, registration, registration.length);
            return new V1OomEventFd(containerId, memoryDir, eventFd);
        } catch (IOException e) {
            Posix.close(eventFd);
            throw e;
        } finally {
            Posix.closeQuietly(oomControl, eventControl);
        }
    }

    @Override
    public String containerId() {
        return containerId;
    }

    @Override
    public int fd() {
        return eventFd;
    }

    @Override
    public Wakeup onReadable() throws IOException {
        Posix.readEventfd(eventFd); // resets the counter; how many OOMs it counted does not matter
        // The same signal comes when the cgroup is removed; then its files are gone.
        boolean gone = CgroupFiles.read(memoryDir.resolve("memory.oom_control")).isEmpty();
        return new Wakeup(!gone, gone);
    }

    @Override
    public void close() {
        Posix.close(eventFd);
    }
}
