package dev.jrunc.shim.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OomWatcherTest {
    private static final String EVENTS_BEFORE = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n";
    private static final String EVENTS_AFTER_KILL = "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n";
    private static final String EVENTS_MORE_MAX = "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n";

    private final BlockingQueue<String> reports = new LinkedBlockingQueue<>();

    /**
     * cgroup v2, played with ordinary files: inotify reports writes to them exactly as it reports the kernel's
     * updates of memory.events and cgroup.events. Files are rewritten in place, same length, one write, so that
     * the watcher never reads a half-written file.
     */
    @Test
    void v2ReportsEachRiseOfOomKillAndStopsWhenTheCgroupEmpties(@TempDir Path dir) throws Exception {
        Samples.write(dir, "memory.events", EVENTS_BEFORE);
        Samples.write(dir, "cgroup.events", "populated 1\nfrozen 0\n");
        try (OomWatcher watcher = new OomWatcher(reports::add)) {
            watcher.watch("c1", new V2Cgroup(dir));
            assertEquals(1, watcher.watching());

            overwrite(dir.resolve("memory.events"), EVENTS_AFTER_KILL);
            assertEquals("c1", reports.poll(5, TimeUnit.SECONDS));

            overwrite(dir.resolve("memory.events"), EVENTS_MORE_MAX); // memory.max hits, but nobody killed
            assertNull(reports.poll(300, TimeUnit.MILLISECONDS));

            overwrite(dir.resolve("cgroup.events"), "populated 0\nfrozen 0\n");
            waitUntil(() -> watcher.watching() == 0, "the watch to end with the cgroup's last process");
            assertTrue(reports.isEmpty(), reports::toString);
        }
        waitUntil(() -> !watcherThreadAlive(), "the watcher thread to end after close()");
    }

    @Test
    void v2CgroupThatIsAlreadyEmptyIsNotWatched(@TempDir Path dir) throws IOException {
        Samples.write(dir, "memory.events", EVENTS_BEFORE);
        Samples.write(dir, "cgroup.events", "populated 0\nfrozen 0\n");
        try (OomWatcher watcher = new OomWatcher(reports::add)) {
            watcher.watch("c1", new V2Cgroup(dir)); // not an error: the container has simply ended already
            assertEquals(0, watcher.watching());
        }
    }

    @Test
    void aClosedWatcherTakesNoMoreCgroups(@TempDir Path dir) {
        Samples.write(dir, "memory.events", EVENTS_BEFORE);
        Samples.write(dir, "cgroup.events", "populated 1\nfrozen 0\n");
        OomWatcher watcher = new OomWatcher(reports::add);
        watcher.close();
        assertThrows(IOException.class, () -> watcher.watch("c1", new V2Cgroup(dir)));
        watcher.close(); // twice is fine
    }

    @Test
    void aCgroupWithoutMemoryControllerCannotBeWatched(@TempDir Path dir) {
        try (OomWatcher watcher = new OomWatcher(reports::add)) {
            assertThrows(IOException.class, () -> watcher.watch("c1", new V1Cgroup(Map.of("pids", dir))));
        }
    }

    /**
     * cgroup v1 for real (needs root and a v1 memory hierarchy, as on the reference machine): a memory cgroup of
     * 8 MiB, a shell that doubles a string until the OOM killer ends it, then the cgroup's removal, which must end
     * the watch without a second report.
     */
    @Test
    void v1ReportsARealOomKillAndForgetsTheCgroupWhenItIsRemoved() throws Exception {
        MountInfo mounts = MountInfo.parse(Files.readString(Path.of("/proc/self/mountinfo")));
        Path hierarchy = mounts.v1Hierarchy("memory").map(MountInfo.Mount::mountPoint).orElse(null);
        assumeTrue(hierarchy != null && "root".equals(System.getProperty("user.name")),
                "needs root and a cgroup v1 memory hierarchy");
        Path memcg = hierarchy.resolve("jrunc-oomwatchertest-" + ProcessHandle.current().pid());
        Files.createDirectory(memcg);
        // Spawned through the shim's own Reaper, never ProcessBuilder: other test classes in this JVM run the
        // reaper's waitpid(-1), which would take a ProcessBuilder child's exit status (the JDK then reports 0).
        dev.jrunc.shim.reaper.Reaper.Child hog = null;
        try (OomWatcher watcher = new OomWatcher(reports::add)) {
            Files.writeString(memcg.resolve("memory.limit_in_bytes"), "8388608");
            if (Files.exists(memcg.resolve("memory.memsw.limit_in_bytes"))) {
                Files.writeString(memcg.resolve("memory.memsw.limit_in_bytes"), "8388608"); // no escape to swap
            }
            watcher.watch("hog", new V1Cgroup(Map.of("memory", memcg)));

            hog = dev.jrunc.shim.reaper.Reaper.start().spawn(dev.jrunc.shim.posix.Spawn.of("/bin/sh", java.util.List.of("sh", "-c",
                    "echo $$ > " + memcg.resolve("cgroup.procs") + "; x=a; while true; do x=\"$x$x\"; done")));

            assertEquals("hog", reports.poll(30, TimeUnit.SECONDS), "no OOM reported");
            assertEquals(137, hog.exit().get(30, TimeUnit.SECONDS).status(), "the OOM killer's SIGKILL");
            assertEquals(1, watcher.watching());

            Files.delete(memcg); // rmdir: the kernel signals the eventfd one last time
            waitUntil(() -> watcher.watching() == 0, "the watch to end with the cgroup");
            assertTrue(reports.isEmpty(), () -> "removal reported as OOM: " + reports);
        } finally {
            if (hog != null && !hog.exit().isDone()) {
                dev.jrunc.shim.posix.Posix.kill(hog.pid(), dev.jrunc.shim.posix.Posix.SIGKILL);
                hog.exit().get(10, TimeUnit.SECONDS);
            }
            if (Files.exists(memcg)) {
                Files.delete(memcg);
            }
        }
    }

    private static void overwrite(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        assertEquals(Files.size(file), bytes.length, "same length, or a reader could see the old tail");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), 0);
        }
    }

    private static boolean watcherThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("oom-watcher") && t.isAlive());
    }

    private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
