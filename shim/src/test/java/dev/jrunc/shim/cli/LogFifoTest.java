package dev.jrunc.shim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.shim.posix.Posix;

/**
 * Where the shim's log goes as bundles come and go: the newest bundle's FIFO that can be opened, and never a FIFO of
 * a bundle containerd is done with. Runs on an fd of its own (a copy of /dev/null), not on the test JVM's stderr.
 */
class LogFifoTest {
    @TempDir
    Path tmp;

    private int target;
    private final List<Integer> readers = new ArrayList<>();

    @BeforeEach
    void openTarget() throws Exception {
        target = Posix.open("/dev/null", Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
    }

    @AfterEach
    void closeAll() {
        readers.forEach(Posix::close);
        Posix.close(target);
    }

    @Test
    void followsTheNewestBundleAndMovesOnWhenItIsDone() throws Exception {
        Path a = bundle("a", true);
        Path b = bundle("b", true);
        Path c = bundle("c", true);
        LogFifo log = new LogFifo(target, a);
        assertEquals(a.resolve("log"), targetPath());
        log.created(b);
        log.created(c);
        assertEquals(c.resolve("log"), targetPath());
        log.done(c);
        assertEquals(b.resolve("log"), targetPath(), "the newest bundle left");
        log.done(a);
        assertEquals(b.resolve("log"), targetPath(), "an older bundle done: nothing moves");
        log.done(b);
        assertEquals(Path.of("/dev/null"), targetPath(), "no bundle left");
    }

    /** A new bundle whose FIFO nobody reads yet: the log stays where it is, and still leaves when that bundle goes. */
    @Test
    void leavesTheBundleItIsOnEvenWhenANewerOneCouldNotBeOpened() throws Exception {
        Path a = bundle("a", true);
        Path unread = bundle("unread", false);
        LogFifo log = new LogFifo(target, a);
        log.created(unread);
        assertEquals(a.resolve("log"), targetPath(), "a FIFO without a reader cannot be opened without blocking");
        log.done(a);
        assertEquals(Path.of("/dev/null"), targetPath(), "the one bundle left cannot be opened either");
    }

    private Path bundle(String name, boolean read) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name));
        Posix.mkfifo(dir.resolve("log").toString(), 0600);
        if (read) {
            readers.add(Posix.open(dir.resolve("log").toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0));
        }
        return dir;
    }

    private Path targetPath() throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + target));
    }
}
