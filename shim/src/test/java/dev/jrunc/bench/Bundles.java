package dev.jrunc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.json.Json;

/**
 * OCI bundles for the runs the benchmark makes without ctr (the runc floor, start/delete by hand, Create over
 * ttrpc). Their config.json is the one ctr itself generated for a busybox container — same namespaces, mounts,
 * capabilities and cgroup layout — with only the process arguments and the cgroup path changed, so that runc does the
 * same work whoever calls it.
 */
final class Bundles {
    private final String template;

    private Bundles(String template) {
        this.template = template;
    }

    /** Lets ctr make a bundle for a throw-away container, keeps its config.json, removes the container. */
    static Bundles capture(Ctr ctr, Config config) throws IOException {
        String ns = config.namespace();
        String id = "bench-template";
        ctr.sleeper(ns, Mode.GO, id);
        try {
            return new Bundles(Files.readString(config.bundleOf(ns, id).resolve("config.json")));
        } finally {
            ctr.remove(ns, List.of(id));
        }
    }

    /** DIR/config.json running ARGS in cgroup {@code /<ns>/<id>} (as ctr names it); DIR is created. */
    Path write(Path dir, String ns, String id, List<String> args) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) Json.parse(template);
        @SuppressWarnings("unchecked")
        Map<String, Object> process = (Map<String, Object>) spec.get("process");
        process.put("args", new ArrayList<Object>(args));
        @SuppressWarnings("unchecked")
        Map<String, Object> linux = (Map<String, Object>) spec.get("linux");
        linux.put("cgroupsPath", "/" + ns + "/" + id);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), Json.write(spec));
        return dir;
    }
}
