package dev.jrunc.shim.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

import com.google.protobuf.Timestamp;

import dev.jrunc.shim.bundle.Bundle;
import dev.jrunc.shim.mount.Mounts;
import dev.jrunc.shim.proto.runc.Options;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.Runc;
import dev.jrunc.shim.runc.RuncException;

/**
 * {@code delete}: containerd's clean-up when it cannot (or no longer needs to) talk to the shim — after every
 * normal teardown, and when a shim died. Remove what may be left: runc's state ({@code runc delete --force},
 * which also kills what is left of the container), the rootfs mount. Then report the container as killed.
 *
 * <p>It must succeed when everything is already gone, and finish well inside containerd's 5 s budget (JVM
 * start included). stdout carries only the protobuf {@code DeleteResponse}; stderr is logged by containerd.
 */
final class DeleteCommand {
    /** 128 + SIGKILL: containerd's convention for a task whose shim went away. */
    private static final int KILLED = 137;

    private DeleteCommand() {
    }

    static int run(ShimFlags flags) throws IOException {
        Path bundle = flags.bundle().isEmpty() ? Path.of("").toAbsolutePath() : Path.of(flags.bundle());
        Options options = Bundle.readOptions(bundle);
        String root = (options.getRoot().isEmpty() ? Runc.DEFAULT_ROOT : options.getRoot()) + "/" + flags.namespace();
        String binary = options.getBinaryName().isEmpty() ? "runc" : options.getBinaryName();
        try {
            new Runc(Reaper.start(), binary, root, bundle, options.getSystemdCgroup()).delete(flags.id(), true);
        } catch (RuncException | IOException e) {
            if (!e.getMessage().contains("does not exist")) {
                System.err.println("containerd-shim-jrunc-v2 delete: runc delete --force " + flags.id() + ": " + e.getMessage());
            }
        }
        try {
            Mounts.unmountAll(bundle.resolve("rootfs"));
        } catch (IOException e) {
            System.err.println("containerd-shim-jrunc-v2 delete: unmount rootfs: " + e.getMessage());
        }
        Instant now = Instant.now();
        DeleteResponse response = DeleteResponse.newBuilder()
                .setPid(Bundle.load(bundle).readInitPid())
                .setExitStatus(KILLED)
                .setExitedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .build();
        response.writeTo(System.out);
        System.out.flush();
        return 0;
    }
}
