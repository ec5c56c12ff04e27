package dev.jrunc.shim.cli;

import dev.jrunc.shim.bundle.Bundle;

/**
 * How containers map to shim processes.
 *
 * <ul>
 *   <li>{@link #PER_POD} — as containerd-shim-runc-v2: one shim per container, or per group/pod when the
 *       containers carry the group or CRI sandbox annotation. Runtime {@code io.containerd.jrunc.v2}.</li>
 *   <li>{@link #SHARED} — one shim per containerd namespace serves every container in it. A JVM is then
 *       started once, not per pod; the launcher finds the running shim without starting one at all. The price:
 *       if that one process dies, every container of the namespace loses its shim at once (containerd cleans
 *       each up with {@code delete}; the containers are killed). Runtime {@code io.containerd.jrunc-shared.v2}.</li>
 * </ul>
 * The launcher chooses: it is installed under both names and tells the JVM through {@code JRUNC_SHIM_MODE}.
 */
enum ShimMode {
    PER_POD("containerd-shim-jrunc-v2"),
    SHARED("containerd-shim-jrunc-shared-v2");

    /** The group key of the one shared shim (a container id can never be this, ids have no spaces). */
    static final String SHARED_GROUP = "jrunc shared";

    private final String binaryName;

    ShimMode(String binaryName) {
        this.binaryName = binaryName;
    }

    static ShimMode current() {
        return "shared".equals(System.getenv("JRUNC_SHIM_MODE")) ? SHARED : PER_POD;
    }

    /** The runtime name containerd users give ({@code ctr run --runtime …}, CRI's runtime_type). */
    String runtimeName() {
        return this == SHARED ? "io.containerd.jrunc-shared.v2" : "io.containerd.jrunc.v2";
    }

    /** The name containerd knows the shim by, and that {@code ps} shows for it. */
    String binaryName() {
        return binaryName;
    }

    /** Which shim serves this container. */
    String group(Bundle bundle, String id) {
        return this == SHARED ? SHARED_GROUP : bundle.groupKey(id);
    }

    /**
     * A shared shim outlives its containers: containerd's Shutdown after each Delete must not end it. It ends on
     * its own instead ({@link SharedLifetime}).
     */
    boolean exitsWhenIdle() {
        return this == PER_POD;
    }
}
