package kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Cleans what an interrupted earlier run of the same lab left in its folder, and removes a lab's folder at the end.
 *
 * <p>Only ever inside {@code /run/jrunc/labNN}: a private containerd there is stopped by the fixture script (which
 * knows what belongs to it), runc containers under the lab's own runc root are killed and deleted, and nothing is
 * removed while something is mounted below the folder.
 */
final class Leftovers {

    private Leftovers() {
    }

    static void clean(Lab lab, Path work) throws IOException {
        System.out.println("(cleaning what an earlier run left in " + work + ")");
        if (Files.isDirectory(work.resolve(PrivateContainerd.FOLDER))) {
            Sh.run(lab.repo().resolve("shim/scripts/private-containerd.sh").toString(), "stop", work.resolve(PrivateContainerd.FOLDER).toString());
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

    static void removeFolder(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4])
                .filter(m -> m.equals(folder.toString()) || m.startsWith(folder + "/"))
                .toList();
        if (!mounts.isEmpty()) {
            throw new IOException("not removing " + folder + ": still mounted there: " + mounts);
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
