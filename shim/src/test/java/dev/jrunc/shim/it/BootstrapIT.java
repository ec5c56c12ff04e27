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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.proto.bootstrap.BootstrapParams;
import dev.jrunc.shim.proto.bootstrap.BootstrapResult;
import dev.jrunc.shim.proto.bootstrap.Extension;
import dev.jrunc.shim.proto.runc.Options;
import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.ShutdownRequest;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.Testkit;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * What {@code start} tells each containerd line, and that the line takes it: a plain address for 1.6, JSON version 2
 * for 1.7, JSON version 3 (task API {@code containerd.task.v3.Task}) for 2.0–2.2, a protobuf BootstrapResult for
 * 2.3+ (which sends BootstrapParams on stdin). The line under test is whichever containerd the suite runs against
 * ({@code ./verify.sh test --containerd 2.1}); 2.3 is in no package here, so its stdin is written by this test as
 * containerd 2.3's pkg/shim writes it, and the answer read back as 2.3 reads it.
 */
@WithPrivateContainerd
class BootstrapIT {
    private final List<Long> daemons = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void killDaemonsStartedByHand() {
        for (long pid : daemons) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Under containerd itself: the bootstrap containerd recorded for the task (2.x keeps it in the bundle's
     * bootstrap.json, 1.6 and 1.7 keep none) is the one it records for the Go shim on the same line, and the task
     * works over it (an exec, which goes through the task API the answer chose).
     */
    @Test
    void containerdKeepsTheSameBootstrapForOurShimAsForTheGoShim(Containerd containerd) throws Exception {
        Map<String, Object> recorded = new HashMap<>();
        for (String runtime : List.of(Containerd.GO_RUNTIME, Containerd.JRUNC_RUNTIME)) {
            String id = "boot-" + (runtime.equals(Containerd.GO_RUNTIME) ? "go" : "j");
            containerd.runBusyboxDetached(runtime, id, "sleep", "600").assertOk();
            Path bootstrap = containerd.bundle(id).resolve("bootstrap.json");
            recorded.put(runtime, Files.exists(bootstrap) ? Json.path(Json.parse(Files.readString(bootstrap)), "version") : "none");
            assertEquals("ok\n", containerd.ctr("task", "exec", "--exec-id", "e1", id, "echo", "ok").assertOk().stdout());
            containerd.ctr("task", "kill", "--signal", "SIGKILL", id).assertOk();
            Procs.await("the task stopped", () -> "STOPPED".equals(Procs.taskStatus(containerd, id)));
            containerd.ctr("task", "rm", id).assertOk();
            containerd.ctr("container", "rm", id).assertOk();
        }
        assertEquals(recorded.get(Containerd.GO_RUNTIME), recorded.get(Containerd.JRUNC_RUNTIME), recorded.toString());
        Object expected = Testkit.containerdMajor() >= 2 ? 3L : "none";
        assertEquals(expected, normalize(recorded.get(Containerd.JRUNC_RUNTIME)),
                "containerd " + Testkit.containerdVersion() + " recorded " + recorded);
    }

    /**
     * start run by hand with what this line hands a shim (its flags, its environment, no stdin), against this
     * line's running containerd (which start asks for its version when the environment cannot tell).
     */
    @Test
    void startAnswersThisLineInTheFormItReadsBest(Containerd containerd) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("TTRPC_ADDRESS", containerd.ttrpcAddress()));
        if (Testkit.containerdAtLeast(1, 7)) {
            env.putAll(Map.of("GRPC_ADDRESS", containerd.address(), "NAMESPACE", containerd.namespace(), "MAX_SHIM_VERSION", "2"));
        }
        Path bundle = bundle("by-hand");
        byte[] answer = start(bundle, env, new byte[0], "-namespace", containerd.namespace(), "-address", containerd.address(),
                "-publish-binary", Testkit.containerdTool("containerd"), "-id", "by-hand", "start");

        String address = Files.readString(bundle.resolve("address"));
        String text = new String(answer, StandardCharsets.UTF_8);
        if (!Testkit.containerdAtLeast(1, 7)) {
            assertEquals(address, text, "1.6 dials start's output as it is");
        } else {
            int version = Testkit.containerdMajor() >= 2 ? 3 : 2;
            assertEquals("{\"version\":" + version + ",\"address\":\"" + address + "\",\"protocol\":\"ttrpc\"}", text);
        }
        connectAndShutDown(address, "by-hand");
    }

    /**
     * containerd 2.3's start: BootstrapParams on stdin (its values win over the flags, which say the same for
     * now), the runtime options among its extensions, a socket folder of its own choosing; the answer is a protobuf
     * BootstrapResult, version 3, and the daemon publishes events to the ttrpc address the params gave.
     */
    @Test
    void bootstrapParamsOnStdinGetABootstrapResult(Containerd containerd) throws Exception {
        Path socketDir = Files.createDirectories(Path.of("/run/jrunc-it-s", String.valueOf(ProcessHandle.current().pid())));
        try {
            BootstrapParams params = BootstrapParams.newBuilder().setInstanceId("params-id").setNamespace(containerd.namespace())
                    .setContainerdVersion("2.3.0").setContainerdGrpcAddress("unix://" + containerd.address())
                    .setContainerdTtrpcAddress("unix://" + containerd.ttrpcAddress())
                    .setContainerdBinary(Testkit.containerdTool("containerd")).setSocketDir(socketDir.toString())
                    .addExtensions(Extension.newBuilder().setValue(Any.newBuilder().setTypeUrl("containerd.runc.v1.Options")
                            .setValue(Options.newBuilder().setBinaryName("runc").build().toByteString())))
                    .build();
            Path bundle = bundle("params-id");
            // The shim's log FIFO, as containerd makes it: the shim says there where its events go.
            Path log = bundle.resolve("log");
            dev.jrunc.shim.posix.Posix.mkfifo(log.toString(), 0600);
            int logReader = dev.jrunc.shim.posix.Posix.open(log.toString(),
                    dev.jrunc.shim.posix.Posix.O_RDONLY | dev.jrunc.shim.posix.Posix.O_NONBLOCK, 0);
            Map<String, String> env = Map.of("TTRPC_ADDRESS", "/nowhere.ttrpc", "GRPC_ADDRESS", containerd.address(),
                    "NAMESPACE", containerd.namespace(), "MAX_SHIM_VERSION", "2");

            byte[] answer = start(bundle, env, params.toByteArray(), "-namespace", containerd.namespace(), "-address",
                    containerd.address(), "-publish-binary", Testkit.containerdTool("containerd"), "-id", "flag-id", "start");

            BootstrapResult result = BootstrapResult.parseFrom(answer);
            assertEquals(3, result.getVersion());
            assertEquals("ttrpc", result.getProtocol());
            String expected = "unix://" + socketDir.resolve(
                    Testkit.sha256Hex(containerd.address() + "/" + containerd.namespace() + "/params-id"));
            assertEquals(expected, result.getAddress(), "in the socket folder BootstrapParams named, for its instance id");
            long daemon = daemons.get(daemons.size() - 1);
            assertTrue(Procs.arguments(daemon).containsAll(List.of("-id", "params-id")), Procs.arguments(daemon).toString());
            StringBuilder said = new StringBuilder();
            Procs.await("the shim logs where its events go", () -> readInto(logReader, said).contains("shim serving"));
            dev.jrunc.shim.posix.Posix.close(logReader);
            assertTrue(said.toString().contains("events to unix://" + containerd.ttrpcAddress() + ")"),
                    "events go to the address in BootstrapParams, not TTRPC_ADDRESS: " + said);
            connectAndShutDown(result.getAddress(), "params-id");
        } finally {
            try (var files = Files.list(socketDir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(socketDir);
            Files.deleteIfExists(socketDir.getParent());
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** Connect over both task API versions (one table behind both names), then Shutdown; the daemon exits. */
    private void connectAndShutDown(String address, String id) throws Exception {
        long daemon = daemons.get(daemons.size() - 1);
        try (TtrpcClient client = TtrpcClient.connect(address)) {
            for (String service : List.of("containerd.task.v2.Task", "containerd.task.v3.Task")) {
                ConnectResponse connect = client.call(service, "Connect", ConnectRequest.newBuilder().setId(id).build(),
                        ConnectResponse.parser(), Duration.ofSeconds(30));
                assertEquals(daemon, connect.getShimPid(), service);
            }
            client.call("containerd.task.v3.Task", "Shutdown", ShutdownRequest.newBuilder().setId(id).build(),
                    com.google.protobuf.Empty.parser(), Duration.ofSeconds(10));
        }
        Procs.await("the daemon exits after Shutdown", () -> !kit.Procs.alive(daemon) || "Z".equals(Procs.state(daemon)));
        assertFalse(Files.exists(Path.of(address.substring("unix://".length()))), "socket removed on shutdown");
    }

    private Path bundle(String name) throws Exception {
        Path bundle = Files.createDirectory(tmp.resolve(name));
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"annotations\":{}}");
        return bundle;
    }

    /** start as containerd runs it: cwd the bundle, stdin given, stdout and stderr together, the daemon recorded. */
    private byte[] start(Path bundle, Map<String, String> env, byte[] stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher()));
        command.addAll(List.of(args));
        Path in = Files.write(tmp.resolve("stdin-" + bundle.getFileName()), stdin);
        Path out = tmp.resolve("out-" + bundle.getFileName());
        ProcessBuilder pb = new ProcessBuilder(command).directory(bundle.toFile()).redirectInput(in.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().remove("GRPC_ADDRESS");
        pb.environment().remove("NAMESPACE");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "start exits");
        byte[] output = Files.readAllBytes(out);
        assertEquals(0, p.exitValue(), () -> "start failed: " + new String(output, StandardCharsets.UTF_8));
        // The daemon's -id is the bundle's name in these tests (BootstrapParams' instance id wins over the flag).
        String daemonId = "-id " + bundle.getFileName();
        Procs.await("the daemon of " + bundle.getFileName(), () -> !Testkit.pidsWithCmdlineContaining(daemonId).isEmpty());
        daemons.addAll(Testkit.pidsWithCmdlineContaining(daemonId));
        return output;
    }

    /** What the non-blocking fd has now, appended to {@code text}. */
    private static String readInto(int fd, StringBuilder text) {
        byte[] buffer = new byte[4096];
        try {
            int n;
            while ((n = dev.jrunc.shim.posix.Posix.read(fd, buffer, buffer.length)) > 0) {
                text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
        } catch (java.io.IOException nothingNow) {
            // EAGAIN: nothing more for now
        }
        return text.toString();
    }

    private static Object normalize(Object version) {
        return version instanceof Number n ? (Object) n.longValue() : version;
    }

    private static String launcher() {
        return new File(System.getProperty("jrunc.launcher", "target/containerd-shim-jrunc-v2")).getAbsolutePath();
    }
}
