package dev.jrunc.shim.cgroups;

import java.io.IOException;

import com.google.protobuf.Any;

/** A container's cgroup, as the shim reads it for Stats and watches it for OOM kills. */
public interface Cgroup {

    /**
     * The container's metrics as containerd expects them: an Any whose type URL is
     * {@code io.containerd.cgroups.v1.Metrics} (cgroup v1) or {@code io.containerd.cgroups.v2.Metrics} (v2).
     */
    Any stats() throws IOException;
}
