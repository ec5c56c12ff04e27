package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.proto.task.ShutdownRequest;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.testkit.Testkit;

/**
 * The {@code start} subcommand run by hand, exactly as containerd runs it: it must print the address and
 * nothing else (containerd reads stdout and stderr together), must not leave its output pipe to the daemon
 * (containerd would wait forever), and must find an existing shim of the same group instead of starting another.
 * No containerd is needed for this: only its flags.
 */
class StartCommandIT {
    /** A containerd address nobody listens on: it only goes into the socket's hash. */
    private static final String ADDRESS = "/run/jrunc/start-command-it/containerd.sock";
    private static final String NAMESPACE = "jrunc-it";

    private final List<Long> daemons = new ArrayList<>();

    @TempDir
    Path tmp;

    @Test
    void printsOnlyTheAddressAndReusesTheGroupsShim() throws Exception {
        Path first = bundle("first");
        Path second = bundle("second");
        String expected = "unix:///run/containerd/s/" + Testkit.sha256Hex(ADDRESS + "/" + NAMESPACE + "/start-it");

        String output = start(first, "start-it");
        assertEquals(expected, output, "start's whole output (stdout and stderr together)");
        assertFalse(output.contains("\n"), "exactly one line");
        assertEquals(expected, Files.readString(first.resolve("address")));
        // The launcher is a shell script: for an instant a subshell of it may carry the same command line.
        Procs.await("exactly one shim daemon", () -> Testkit.pidsWithCmdlineContaining("-address " + ADDRESS).size() == 1);
        daemons.addAll(Testkit.pidsWithCmdlineContaining("-address " + ADDRESS));
        long daemon = daemons.get(0);

        // The launcher finds the group's shim itself: the second start needs no JVM (with none to be had, it works).
        String again = start(second, "start-it", "/nonexistent/java");
        assertEquals(expected, again, "a second start for the same group prints the same address");
        assertEquals(expected, Files.readString(second.resolve("address")));
        assertEquals(List.of(daemon), Testkit.pidsWithCmdlineContaining("-address " + ADDRESS), "still one daemon");

        try (TtrpcClient client = TtrpcClient.connect(expected)) {
            ConnectResponse connect = client.call("containerd.task.v2.Task", "Connect",
                    ConnectRequest.newBuilder().setId("start-it").build(), ConnectResponse.parser(), Duration.ofSeconds(10));
            assertEquals(daemon, connect.getShimPid(), "the daemon answers on the printed address");
            assertEquals(List.of("containerd-shim-jrunc-v2", "-namespace", NAMESPACE, "-id", "start-it", "-address", ADDRESS),
                    Procs.arguments(daemon), "once up, the daemon shows the Go shim's arguments in ps");
            client.call("containerd.task.v2.Task", "Shutdown", ShutdownRequest.newBuilder().setId("start-it").build(),
                    com.google.protobuf.Empty.parser(), Duration.ofSeconds(10));
        }
        Procs.await("the daemon exits after Shutdown", () -> !kit.Procs.alive(daemon) || "Z".equals(Procs.state(daemon)));
        assertFalse(Files.exists(Path.of(expected.substring("unix://".length()))), "socket removed on shutdown");
    }

    /**
     * {@code delete} answers the same in both of its paths: the launcher's (nothing left to clean, no JVM) and
     * the JVM's (runc still has state for the container, so runc delete --force runs).
     */
    @Test
    void deleteReportsTheInitAsKilledWhetherOrNotThereIsStateLeft() throws Exception {
        Path bundle = bundle("deleted");
        Files.writeString(bundle.resolve("init.pid"), "4242");
        Files.writeString(bundle.resolve("options.json"), "{\"root\":\"" + tmp.resolve("runc-root") + "\"}");
        long before = java.time.Instant.now().getEpochSecond();

        DeleteResponse nothingLeft = delete(bundle, "gone");
        Files.createDirectories(tmp.resolve("runc-root").resolve(NAMESPACE).resolve("gone"));   // "runc state left"
        DeleteResponse stateLeft = delete(bundle, "gone");

        for (DeleteResponse response : List.of(nothingLeft, stateLeft)) {
            assertEquals(4242, response.getPid(), response.toString());
            assertEquals(137, response.getExitStatus(), "128 + SIGKILL, as containerd expects");
            assertTrue(response.getExitedAt().getSeconds() >= before, response.toString());
        }
    }

    private DeleteResponse delete(Path bundle, String id) throws Exception {
        Process delete = new ProcessBuilder(launcher(), "-namespace", NAMESPACE, "-address", ADDRESS, "-publish-binary",
                "/usr/bin/containerd", "-id", id, "-bundle", bundle.toString(), "delete")
                .directory(bundle.toFile()).redirectInput(new File("/dev/null")).start();
        byte[] stdout = delete.getInputStream().readAllBytes();
        assertTrue(delete.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, delete.exitValue(), new String(delete.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        return DeleteResponse.parseFrom(stdout);
    }

    private Path bundle(String name) throws Exception {
        Path bundle = Files.createDirectory(tmp.resolve(name));
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"annotations\":{}}");
        return bundle;
    }

    /**
     * A pod's containers name their sandbox in an annotation: the launcher hashes that group as the JVM does, and
     * answers the pod's second container without a JVM.
     */
    @Test
    void aPodsSecondContainerIsAnsweredWithoutAJvm() throws Exception {
        Path sandbox = bundle("sandbox");
        Path app = bundle("app");
        String pod = "{\"ociVersion\":\"1.0.2\",\"annotations\":{\"io.kubernetes.cri.sandbox-id\":\"pod-it\","
                + "\"io.kubernetes.cri.container-type\":\"%s\"}}";
        Files.writeString(sandbox.resolve("config.json"), String.format(pod, "sandbox"));
        Files.writeString(app.resolve("config.json"), String.format(pod, "container"));
        String expected = "unix:///run/containerd/s/" + Testkit.sha256Hex(ADDRESS + "/" + NAMESPACE + "/pod-it");

        assertEquals(expected, start(sandbox, "pod-it"));
        Procs.await("the pod's shim", () -> Testkit.pidsWithCmdlineContaining("-address " + ADDRESS).size() == 1);
        daemons.addAll(Testkit.pidsWithCmdlineContaining("-address " + ADDRESS));
        assertEquals(expected, start(app, "app-container", "/nonexistent/java"), "the app container goes to the pod's shim");
        assertEquals(expected, Files.readString(app.resolve("address")));
    }

    /** Runs start like containerd: cwd = bundle, stdin empty, stdout+stderr read together until EOF. */
    private String start(Path bundle, String id) throws Exception {
        return start(bundle, id, null);
    }

    /** The same, with the launcher's JRUNC_JAVA set (a java that does not exist proves that no JVM was needed). */
    private String start(Path bundle, String id, String java) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(launcher(), "-namespace", NAMESPACE, "-address", ADDRESS,
                "-publish-binary", "/usr/bin/containerd", "-id", id, "start")
                .directory(bundle.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true);
        pb.environment().put("TTRPC_ADDRESS", ADDRESS + ".ttrpc");
        if (java != null) {
            pb.environment().put("JRUNC_JAVA", java);
        }
        Process start = pb.start();
        // Reading to EOF only ends if no daemon kept the pipe: that is the point of this read.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String text = output.get(30, TimeUnit.SECONDS);
        assertTrue(start.waitFor(10, TimeUnit.SECONDS), "start exits");
        assertEquals(0, start.exitValue(), "start's exit code; output: " + text);
        return text;
    }

    private static String launcher() {
        return System.getProperty("jrunc.launcher", "target/containerd-shim-jrunc-v2");
    }

    /** SIGTERM first: a shim then removes its socket and its advertisement, as after containerd's Shutdown. */
    @AfterEach
    void stopDaemons() throws Exception {
        for (long pid : Testkit.pidsWithCmdlineContaining("-address " + ADDRESS)) {
            ProcessHandle.of(pid).ifPresent(daemon -> {
                daemon.destroy();
                try {
                    daemon.onExit().get(20, TimeUnit.SECONDS);
                } catch (Exception stillThere) {
                    daemon.destroyForcibly();
                }
            });
        }
        for (String group : List.of("start-it", "pod-it")) {
            String hash = Testkit.sha256Hex(ADDRESS + "/" + NAMESPACE + "/" + group);
            Files.deleteIfExists(Path.of("/run/jrunc-shim/s", hash));
            Files.deleteIfExists(Path.of("/run/containerd/s", hash));
        }
    }
}
