package kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a container, or a whole run, can leave behind: processes, runc's state, the bundle, mounts, the shim's
 * socket. The tests look ({@link #of}, then {@link #none}); a lab cleans what an interrupted earlier run of it left
 * in its folder ({@link #clean}) and removes its folder at the end ({@link #removeFolder}).
 */
public record Leftovers(List<Long> livePids, boolean runcState, boolean bundle, List<String> mounts, String socket) {

    /** A socket file nobody listens on: the shim died without removing it. */
    public static final String STALE = "stale";
    public static final String LISTENING = "listening";
    public static final String ABSENT = "absent";

    /**
     * What container {@code id} left once containerd says it is gone.
     *
     * @param pids the container's processes (init, execs) and its shim, as recorded while they ran
     * @param socket the shim's socket path
     */
    public static Leftovers of(PrivateContainerd containerd, String id, List<Long> pids, Path socket) {
        List<Long> live = pids.stream().filter(Procs::alive).toList();
        return new Leftovers(live, Files.exists(containerd.runcState(id)), Files.exists(containerd.bundle(id)),
                mountsUnder(containerd.stateDir()), socketState(socket));
    }

    /** {@link #ABSENT}, {@link #STALE} (the file is there, connecting is refused) or {@link #LISTENING}. */
    public static String socketState(Path socket) {
        if (!Files.exists(socket)) {
            return ABSENT;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return LISTENING;
        } catch (IOException refused) {
            return STALE;
        }
    }

    /** Nothing at all, apart from (optionally) a socket file that nobody listens on. */
    public boolean none(boolean staleSocketAllowed) {
        boolean socketOk = socket.equals(ABSENT) || staleSocketAllowed && socket.equals(STALE);
        return livePids.isEmpty() && !runcState && !bundle && mounts.isEmpty() && socketOk;
    }

    @Override
    public String toString() {
        return "live processes " + livePids + ", runc state " + (runcState ? "left" : "gone") + ", bundle "
                + (bundle ? "left" : "gone") + ", mounts " + mounts + ", shim socket " + socket;
    }

    /** Mount points at or under {@code dir}, from /proc/self/mountinfo. */
    public static List<String> mountsUnder(Path dir) {
        String d = dir.toAbsolutePath().normalize().toString();
        List<String> result = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    String mountPoint = f[4].replace("\\040", " ");
                    if (mountPoint.equals(d) || mountPoint.startsWith(d + "/")) {
                        result.add(mountPoint);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /**
     * Cleans what an interrupted earlier run of the same lab left in its folder, {@code /run/jrunc/labNN}: a private
     * containerd there is stopped by the fixture script (which knows what belongs to it), runc containers under the
     * lab's own runc root are killed and deleted, and nothing is removed while something is mounted below the folder.
     */
    public static void clean(Lab lab, Path work) throws IOException {
        System.out.println("(cleaning what an earlier run left in " + work + ")");
        if (Files.isDirectory(work.resolve(PrivateContainerd.FOLDER))) {
            PrivateContainerd.script(PrivateContainerd.script(lab.repo()), Map.of(), "stop",
                    work.resolve(PrivateContainerd.FOLDER).toString());
        }
        Path runcRoot = work.resolve(RuncBundle.RUNC_ROOT);
        if (Files.isDirectory(runcRoot)) {
            try (Stream<Path> containers = Files.list(runcRoot)) {
                for (Path c : containers.toList()) {
                    String id = c.getFileName().toString();
                    Sh.run(RuncBundle.RUNC, "--root", runcRoot.toString(), "kill", id, "KILL");
                    Sh.run(RuncBundle.RUNC, "--root", runcRoot.toString(), "delete", "--force", id);
                }
            }
        }
        removeFolder(work);
    }

    /** Removes a folder and all below it, unless something is still mounted there. */
    public static void removeFolder(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        List<String> mounts = mountsUnder(folder);
        if (!mounts.isEmpty()) {
            throw new IOException("not removing " + folder + ": still mounted there: " + mounts);
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
