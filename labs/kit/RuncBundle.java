package kit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.json.Json;

/**
 * An OCI bundle for runc: a folder with {@code config.json}, whose root is the busybox rootfs every lab shares.
 *
 * <p>{@code runc spec} writes the default spec (its own namespaces, a read-only root, {@code sh} on a terminal);
 * we change only what a lab needs: no terminal, the command, the hostname, and the rootfs path. runc keeps its
 * state for these containers in the lab's own {@code --root}, never in {@code /run/runc} or containerd's.
 */
public final class RuncBundle {
    static final String RUNC_ROOT = "runc";

    /** The runc the labs run: {@code runc} from the PATH, or the program JRUNC_RUNC names (a runc of your own). */
    public static final String RUNC = System.getenv().getOrDefault("JRUNC_RUNC", "runc");

    private RuncBundle() {
    }

    /** A busybox root filesystem, built once by {@code shim/scripts/busybox-rootfs.sh} under labs/target. */
    public static Path busyboxRootfs(Lab lab) {
        Path rootfs = lab.repo().resolve("labs/target/busybox-rootfs");
        Sh.Result r = Sh.run(List.of(lab.repo().resolve("shim/scripts/busybox-rootfs.sh").toString(), rootfs.toString()), Map.of(), 120);
        if (!r.ok()) {
            throw new Lab.CannotRun("cannot build the busybox rootfs:\n" + r.combined());
        }
        return rootfs;
    }

    /** runc's state folder for this lab's containers. */
    public static String runcRoot(Lab lab) {
        return lab.work().resolve(RUNC_ROOT).toString();
    }

    /** Writes {@code /run/jrunc/labNN/<name>/config.json} for a container that runs {@code command}. */
    @SuppressWarnings("unchecked")
    public static Path create(Lab lab, String name, List<String> command) throws IOException {
        Path rootfs = busyboxRootfs(lab);
        Path bundle = lab.work().resolve(name);
        Files.createDirectories(bundle);
        Sh.Result spec = Sh.run(RUNC, "spec", "--bundle", bundle.toString());
        if (spec.status() == 127) {
            throw new Lab.CannotRun("runc is missing (" + RUNC + ": " + spec.stderr().trim() + "): apt-get install runc,"
                    + " or point JRUNC_RUNC at one");
        }
        if (!spec.ok()) {
            throw new Lab.CannotRun("runc spec failed: " + spec.combined());
        }
        Path configFile = bundle.resolve("config.json");
        Map<String, Object> config = (Map<String, Object>) Json.parse(Files.readString(configFile, StandardCharsets.UTF_8));
        Map<String, Object> process = (Map<String, Object>) config.get("process");
        process.put("terminal", false);
        process.put("args", new ArrayList<Object>(command));
        Map<String, Object> root = (Map<String, Object>) config.get("root");
        root.put("path", rootfs.toString());
        root.put("readonly", true);
        config.put("hostname", name);
        Files.writeString(configFile, Json.write(config), StandardCharsets.UTF_8);
        return bundle;
    }
}
