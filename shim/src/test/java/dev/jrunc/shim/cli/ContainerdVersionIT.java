package dev.jrunc.shim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * The one gRPC call start makes (containerd's Version service, over the shim's own minimal HTTP/2), against the
 * containerd line under test: it must read the same version that ctr, a real gRPC client, reads.
 */
@WithPrivateContainerd
class ContainerdVersionIT {

    @Test
    void startReadsTheVersionCtrReads(Containerd containerd) {
        String ctrSays = containerd.ctr("version").assertOk().stdoutLines().stream()
                .dropWhile(l -> !l.startsWith("Server:"))
                .filter(l -> l.strip().startsWith("Version:"))
                .map(l -> l.strip().substring("Version:".length()).strip())
                .findFirst().orElseThrow();

        assertEquals(Optional.of(ctrSays), ContainerdVersion.ask(containerd.address(), Duration.ofSeconds(30)));
        assertEquals(Optional.of(ctrSays), ContainerdVersion.ask("unix://" + containerd.address(), Duration.ofSeconds(30)));
    }
}
