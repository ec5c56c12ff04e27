package dev.jrunc.shim.cli;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.jrunc.shim.bundle.Bundle;
import dev.jrunc.shim.events.Publisher;
import dev.jrunc.shim.events.RemotePublisher;
import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.Spawn;
import dev.jrunc.shim.posix.UnixSocket;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.task.TaskService;
import dev.jrunc.shim.ttrpc.Services;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.shim.ttrpc.TtrpcServer;

/**
 * The build's training run for the class-data-sharing archive (see jvm.args): it walks the code that
 * {@code start}, {@code delete} and the daemon load — flags, bundle JSON, the socket hash, the native
 * bindings, spawning and reaping, protobuf messages, a ttrpc round trip through the Task service — so that the
 * JVM records those classes once and every shim maps them ready-made instead of loading them again. It needs no
 * root and touches nothing outside a temporary directory.
 */
public final class Training {

    private Training() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("jrunc-training");
        try {
            GoFlags.parse(new String[] {"-namespace", "n", "-address", "/a", "-id", "c", "start"});
            Files.writeString(dir.resolve("config.json"), "{\"annotations\":{\"io.kubernetes.cri.sandbox-id\":\"s\"},"
                    + "\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}");
            Bundle bundle = Bundle.load(dir);
            bundle.groupKey("c");
            bundle.hasPrivatePidNamespace();
            Bundle.readOptions(dir);
            dev.jrunc.shim.bundle.RuntimeOptions.from(com.google.protobuf.Any.getDefaultInstance());
            ShimSocket.path("/run/containerd/containerd.sock", "n", "c");
            StartRequest request = StartRequest.read(new ShimFlags("n", "/a", "c", "", "", false), java.util.Map.of("GRPC_ADDRESS", "/a"),
                    dev.jrunc.shim.proto.bootstrap.BootstrapParams.newBuilder().setContainerdVersion("2.3.0").setNamespace("n")
                            .build().toByteArray());
            BootstrapAnswer.choose(request, grpc -> java.util.Optional.of("v2.1.9")).render("unix:///run/containerd/s/0");
            BootstrapAnswer.JSON_V3.render("unix:///run/containerd/s/0");
            ContainerdVersion.ask(dir.resolve("nobody.sock").toString(), Duration.ofMillis(200));
            ContainerdVersion.major("1.7.24~ds1");
            Json.write(Json.parse("{\"a\":[1,2.5,true,null,\"x\"]}"));
            DeleteResponse.parseFrom(DeleteResponse.newBuilder().setPid(1).setExitStatus(137).build().toByteArray());
            RemotePublisher.pack(TaskExit.newBuilder().setContainerId("c").build());

            Reaper reaper = Reaper.start();
            reaper.spawn(Spawn.of("/bin/true", List.of("true"))).await();
            int socket = UnixSocket.listen(dir.resolve("start.sock").toString(), 1);
            UnixSocket.answers(dir.resolve("start.sock").toString());
            Posix.close(socket);

            TaskService tasks = new TaskService("n", reaper, Publisher.logging(), () -> { });
            TtrpcServer server = new TtrpcServer(tasks.register(new Services()));
            Path serverSocket = dir.resolve("ttrpc.sock");
            ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(serverSocket));
            server.start(listener);
            try (TtrpcClient client = TtrpcClient.connect(serverSocket.toString())) {
                client.call(TaskService.SERVICE, "Connect", ConnectRequest.newBuilder().setId("c").build(),
                        ConnectResponse.parser(), Duration.ofSeconds(5));
                try {
                    client.call(TaskService.SERVICE, "State", StateRequest.newBuilder().setId("missing").build(),
                            ConnectResponse.parser(), Duration.ofSeconds(5));
                } catch (dev.jrunc.shim.ttrpc.TtrpcException expected) {
                    // NotFound: the error path is part of the training too
                }
            }
            server.shutdown(Duration.ofMillis(100));
            tasks.close();
            logOneLine();
            loadEveryShimClass();
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The daemon's logging (java.util.logging, our formatter, MessageFormat), into nowhere: the build's output stays clean. */
    private static void logOneLine() {
        java.io.PrintStream err = System.err;
        System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            ShimLogging.toStderr(false, "n", "io.containerd.jrunc.v2");
            System.getLogger("jrunc.training").log(System.Logger.Level.INFO, "ready {0} ms after the process started",
                    ProcessAge.millis());
        } finally {
            ShimLogging.silence();
            System.setErr(err);
        }
    }

    /**
     * Loads, without running them, the classes of the shim's own jar that the walk above does not reach: the
     * entry points (Main, StartCommand, Daemon), a container and its processes, the Create path's messages. Each
     * one archived is one that no shim reads and verifies from the jar again (about 200 were, and the first
     * Create waited for them).
     */
    private static void loadEveryShimClass() throws Exception {
        ClassLoader loader = Training.class.getClassLoader();
        Path jar = Path.of(Training.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(jar)) {
            return;   // run from a classes folder (a test): nothing to archive
        }
        try (java.util.jar.JarFile classes = new java.util.jar.JarFile(jar.toFile())) {
            for (String entry : classes.stream().map(java.util.jar.JarEntry::getName).toList()) {
                if (entry.endsWith(".class") && !entry.endsWith("module-info.class")) {
                    String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
                    Class.forName(name, false, loader);
                }
            }
        }
    }
}
