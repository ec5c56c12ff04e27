package dev.jrunc.shim.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.proto.runc.Options;

/**
 * A container's bundle: the directory containerd prepares for it
 * ({@code /run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>}) with the OCI {@code config.json},
 * the {@code rootfs} mount point, the {@code log} FIFO, and the files the shim and runc write there
 * ({@code address}, {@code options.json}, {@code runtime}, {@code init.pid}, {@code log.json}).
 */
public final class Bundle {
    /** Containers with the same value of this annotation share one shim (one per group). */
    public static final String GROUP_ANNOTATION = "io.containerd.runc.v2.group";
    /** CRI puts the pod's sandbox id on every container of a pod: one shim per pod. */
    public static final String SANDBOX_ANNOTATION = "io.kubernetes.cri.sandbox-id";

    private final Path dir;
    private final Object config;

    private Bundle(Path dir, Object config) {
        this.dir = dir;
        this.config = config;
    }

    /** Reads {@code config.json}; a bundle without one (already removed) reads as an empty spec. */
    public static Bundle load(Path dir) throws IOException {
        Path configFile = dir.resolve("config.json");
        Object config;
        try {
            config = Json.parse(Files.readString(configFile, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            config = Map.of();
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid " + configFile + ": " + e.getMessage(), e);
        }
        return new Bundle(dir, config);
    }

    public Path dir() {
        return dir;
    }

    public Path rootfs() {
        return dir.resolve("rootfs");
    }

    public Path initPidFile() {
        return dir.resolve("init.pid");
    }

    /** Which shim serves this container: the group annotation, else the pod's sandbox id, else its own id. */
    public String groupKey(String id) {
        for (String annotation : List.of(GROUP_ANNOTATION, SANDBOX_ANNOTATION)) {
            if (Json.path(config, "annotations", annotation) instanceof String group && !group.isEmpty()) {
                return group;
            }
        }
        return id;
    }

    /**
     * Whether the container gets a PID namespace of its own. Without one, killing its init does not kill the
     * rest of the container, so the shim must do it ({@code runc kill --all}).
     */
    public boolean hasPrivatePidNamespace() {
        if (Json.path(config, "linux", "namespaces") instanceof List<?> namespaces) {
            for (Object ns : namespaces) {
                if (ns instanceof Map<?, ?> entry && "pid".equals(entry.get("type"))) {
                    Object path = entry.get("path");
                    return path == null || "".equals(path);
                }
            }
        }
        return false;
    }

    /** The init's pid, as runc wrote it; 0 if runc never did. */
    public int readInitPid() {
        try {
            return Integer.parseInt(Files.readString(initPidFile()).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** options.json and runtime: what {@code delete} needs later to find runc and its state without us. */
    public void writeOptions(Options options) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        if (options.getNoPivotRoot()) {
            json.put("no_pivot_root", true);
        }
        if (options.getNoNewKeyring()) {
            json.put("no_new_keyring", true);
        }
        if (!options.getShimCgroup().isEmpty()) {
            json.put("shim_cgroup", options.getShimCgroup());
        }
        if (options.getIoUid() != 0) {
            json.put("io_uid", options.getIoUid());
        }
        if (options.getIoGid() != 0) {
            json.put("io_gid", options.getIoGid());
        }
        if (!options.getBinaryName().isEmpty()) {
            json.put("binary_name", options.getBinaryName());
        }
        if (!options.getRoot().isEmpty()) {
            json.put("root", options.getRoot());
        }
        if (options.getSystemdCgroup()) {
            json.put("systemd_cgroup", true);
        }
        writePrivate(dir.resolve("options.json"), Json.write(json));
        writePrivate(dir.resolve("runtime"), options.getBinaryName());
    }

    /** Reads options.json back; missing or unreadable means default options. */
    public static Options readOptions(Path dir) {
        Options.Builder options = Options.newBuilder();
        try {
            if (Json.parse(Files.readString(dir.resolve("options.json"))) instanceof Map<?, ?> json) {
                if (json.get("binary_name") instanceof String binary) {
                    options.setBinaryName(binary);
                }
                if (json.get("root") instanceof String root) {
                    options.setRoot(root);
                }
                if (json.get("systemd_cgroup") instanceof Boolean systemd) {
                    options.setSystemdCgroup(systemd);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // defaults
        }
        return options.build();
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: keep the default mode
        }
    }
}
