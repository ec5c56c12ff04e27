package dev.jrunc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * ctr against the private containerd. Every call is bounded (a hung shim must fail the measurement, not the run),
 * and containers run straight from the busybox folder ({@code --rootfs}), with no image and so no environment:
 * commands are given by absolute path.
 */
final class Ctr {
    static final Duration TIMEOUT = Duration.ofSeconds(120);
    private final Config config;

    Ctr(Config config) {
        this.config = config;
    }

    List<String> command(String ns, String... args) {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", config.socket().toString(), "--namespace", ns));
        command.addAll(List.of(args));
        return command;
    }

    Cmd.Result run(String ns, String... args) {
        return Cmd.run(command(ns, args), null, Map.of(), TIMEOUT);
    }

    /** {@code ctr run --rm}: create, start, wait for exit, delete — what the benchmark's first table row times. */
    List<String> runRm(String ns, Mode mode, String id, String... process) {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--fifo-dir", config.dir().resolve("fifo").toString(),
                "--runtime", mode.runtime, "--rootfs", config.rootfs().toString(), id));
        args.addAll(List.of(process));
        return command(ns, args.toArray(String[]::new));
    }

    /** {@code ctr run -d --null-io}: returns once the task is started, i.e. RUNNING. */
    List<String> runDetached(String ns, Mode mode, String id, String... process) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--null-io",
                "--runtime", mode.runtime, "--rootfs", config.rootfs().toString(), id));
        args.addAll(List.of(process));
        return command(ns, args.toArray(String[]::new));
    }

    /** Starts a {@code sleep 600} container and fails loudly if it does not start. */
    void sleeper(String ns, Mode mode, String id) {
        Cmd.Result r = Cmd.run(runDetached(ns, mode, id, "/bin/sleep", "600"), null, Map.of(), TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException("could not start container " + ns + "/" + id + ": " + r.describe());
        }
    }

    /** Task id → status (RUNNING, STOPPED, …), from {@code ctr task ls}. */
    Map<String, String> tasks(String ns) {
        Cmd.Result r = run(ns, "task", "ls");
        Map<String, String> tasks = new LinkedHashMap<>();
        if (!r.ok()) {
            return tasks;
        }
        for (String line : r.output().split("\n")) {
            String[] words = line.trim().split("\\s+");
            if (words.length >= 3 && !words[0].equals("TASK")) {
                tasks.put(words[0], words[2]);
            }
        }
        return tasks;
    }

    List<String> containers(String ns) {
        Cmd.Result r = run(ns, "containers", "ls", "-q");
        return r.ok() ? r.output().lines().map(String::trim).filter(s -> !s.isEmpty()).toList() : List.of();
    }

    /**
     * Kills and deletes tasks and containers (all of the namespace if IDS is null), two at a time: containerd
     * then shuts each per-pod shim down. Not timed; errors are left for the fixture's stop to mop up.
     */
    void remove(String ns, Collection<String> ids) {
        List<String> targets = ids == null ? containers(ns) : List.copyOf(ids);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String id : targets) {
                done.add(pool.submit(() -> {
                    run(ns, "task", "rm", "--force", id);
                    run(ns, "containers", "rm", id);
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not remove the containers of " + ns, e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The ttrpc address of the shim serving a task, as containerd wrote it into the bundle. */
    String shimAddress(String ns, String id) throws IOException {
        return Files.readString(config.bundleOf(ns, id).resolve("address")).trim();
    }

    static Path socketPath(String address) {
        return Path.of(address.startsWith("unix://") ? address.substring("unix://".length()) : address);
    }
}
