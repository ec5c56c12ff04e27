package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.util.function.Consumer;

/** Watches containers' memory cgroups and reports OOM kills. (Placeholder until the cgroups work lands.) */
public final class OomWatcher implements AutoCloseable {
    private final Consumer<String> onOom;

    /** @param onOom called with the container id, on the watcher's own thread, for every OOM kill seen */
    public OomWatcher(Consumer<String> onOom) {
        this.onOom = onOom;
    }

    /** Starts watching; stops by itself when the cgroup goes away. */
    public void watch(String containerId, Cgroup cgroup) throws IOException {
    }

    @Override
    public void close() {
    }
}
