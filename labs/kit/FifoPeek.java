package kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import jnr.ffi.LibraryLoader;

/**
 * How many bytes wait in a FIFO, without reading them: {@code ioctl(FIONREAD)} on one of this process's own fds
 * of that FIFO. A lab that plays the shim holds such fds (the shim keeps every FIFO open itself), so it can look
 * without becoming a reader, and without consuming what it looks at.
 */
public final class FifoPeek {

    /** glibc's ioctl with an int out-parameter. */
    public interface Calls {
        int ioctl(int fd, long request, int[] count);
    }

    private static final long FIONREAD = 0x541B;   // the same on x86-64 and aarch64 Linux

    private static final class Binding {
        static final Calls CALLS = LibraryLoader.create(Calls.class).load("c");
    }

    private FifoPeek() {
    }

    /** Bytes in the FIFO now; -1 if this process holds no fd of it. */
    public static int bytesWaiting(Path fifo) {
        String target = fifo.toAbsolutePath().toString();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String link;
                try {
                    link = Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    continue;   // closed since the listing (or the listing's own fd)
                }
                if (link.equals(target)) {
                    int[] count = new int[1];
                    if (Binding.CALLS.ioctl(Integer.parseInt(fd.getFileName().toString()), FIONREAD, count) == 0) {
                        return count[0];
                    }
                }
            }
        } catch (IOException e) {
            throw new Lab.CannotRun("cannot list /proc/self/fd: " + e.getMessage());
        }
        return -1;
    }
}
