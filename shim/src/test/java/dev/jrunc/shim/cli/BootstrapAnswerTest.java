package dev.jrunc.shim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;

import dev.jrunc.shim.proto.bootstrap.BootstrapParams;
import dev.jrunc.shim.proto.bootstrap.BootstrapResult;
import dev.jrunc.shim.proto.bootstrap.Extension;
import dev.jrunc.shim.proto.bootstrap.LogLevel;
import dev.jrunc.shim.proto.runc.Options;

/** What start reads from each containerd line, and what it answers. The lines themselves: BootstrapIT. */
class BootstrapAnswerTest {
    private static final ShimFlags FLAGS = new ShimFlags("flag-ns", "/run/c/containerd.sock", "flag-id", "", "", false);
    private static final String ADDRESS = "unix:///run/containerd/s/abc";

    @Test
    void containerd16SetsNoGrpcAddressAndGetsThePlainAddress() throws Exception {
        List<String> asked = new ArrayList<>();
        StartRequest request = StartRequest.read(FLAGS, Map.of("TTRPC_ADDRESS", "/run/c/containerd.sock.ttrpc"), new byte[0]);

        BootstrapAnswer answer = BootstrapAnswer.choose(request, grpc -> { asked.add(grpc); return Optional.empty(); });

        assertEquals(BootstrapAnswer.PLAIN_ADDRESS, answer);
        assertEquals(List.of(), asked, "1.6 is told apart without asking containerd");
        assertEquals(ADDRESS, new String(answer.render(ADDRESS), StandardCharsets.UTF_8));
    }

    @Test
    void from17OnContainerdIsAskedAndItsMajorVersionDecides() throws Exception {
        Map<String, String> env = Map.of("TTRPC_ADDRESS", "/run/c/containerd.sock.ttrpc", "GRPC_ADDRESS", "/run/c/containerd.sock",
                "NAMESPACE", "flag-ns", "MAX_SHIM_VERSION", "2");
        StartRequest request = StartRequest.read(FLAGS, env, new byte[0]);

        assertEquals(BootstrapAnswer.JSON_V2, BootstrapAnswer.choose(request, grpc -> Optional.of("1.7.24~ds1")));
        assertEquals(BootstrapAnswer.JSON_V3, BootstrapAnswer.choose(request, grpc -> Optional.of("v2.1.9")));
        assertEquals(BootstrapAnswer.JSON_V3, BootstrapAnswer.choose(request, grpc -> Optional.of("2.2.0+unknown")));
        assertEquals(BootstrapAnswer.JSON_V2, BootstrapAnswer.choose(request, grpc -> Optional.empty()),
                "no answer: what every line that sets GRPC_ADDRESS accepts");
        assertEquals("{\"version\":3,\"address\":\"" + ADDRESS + "\",\"protocol\":\"ttrpc\"}",
                new String(BootstrapAnswer.JSON_V3.render(ADDRESS), StandardCharsets.UTF_8));
    }

    @Test
    void bootstrapParamsWinOverFlagsAndEnvironmentAndGetABootstrapResult() throws Exception {
        Options options = Options.newBuilder().setShimCgroup("/shims").build();
        BootstrapParams params = BootstrapParams.newBuilder().setInstanceId("p-id").setNamespace("p-ns")
                .setLogLevel(LogLevel.LOG_LEVEL_DEBUG).setContainerdVersion("2.3.0")
                .setContainerdTtrpcAddress("unix:///p/containerd.sock.ttrpc").setContainerdGrpcAddress("unix:///p/containerd.sock")
                .setContainerdBinary("/usr/bin/containerd").setSocketDir("/run/p/s")
                .addExtensions(Extension.newBuilder().setValue(Any.newBuilder().setTypeUrl("io.example.Other")))
                .addExtensions(Extension.newBuilder().setValue(Any.newBuilder().setTypeUrl("containerd.runc.v1.Options")
                        .setValue(options.toByteString())))
                .build();

        StartRequest request = StartRequest.read(FLAGS, Map.of("TTRPC_ADDRESS", "/env/ttrpc"), params.toByteArray());

        assertTrue(request.bootstrapParams());
        assertEquals("p-id", request.id());
        assertEquals("p-ns", request.namespace());
        assertEquals("unix:///p/containerd.sock", request.grpcAddress());
        assertEquals("unix:///p/containerd.sock.ttrpc", request.ttrpcAddress(), "events go where BootstrapParams says");
        assertTrue(request.debug());
        assertEquals(Path.of("/run/p/s"), request.socketDir());
        assertEquals(options, request.options(), "the runc options among the extensions");
        assertEquals(Optional.of("2.3.0"), request.containerdVersion());

        BootstrapAnswer answer = BootstrapAnswer.choose(request, grpc -> { throw new AssertionError("no need to ask"); });
        assertEquals(BootstrapAnswer.BOOTSTRAP_RESULT_V3, answer);
        BootstrapResult result = BootstrapResult.parseFrom(answer.render(ADDRESS));
        assertEquals(3, result.getVersion());
        assertEquals(ADDRESS, result.getAddress());
        assertEquals("ttrpc", result.getProtocol());
        assertEquals(3, answer.taskApiVersion());
    }

    @Test
    void aBareAnyIsOptionsNotBootstrapParamsThoughBothStartWithAStringField1() throws Exception {
        Options options = Options.newBuilder().setBinaryName("/opt/runc").build();
        byte[] any = Any.newBuilder().setTypeUrl("containerd.runc.v1.Options").setValue(options.toByteString()).build().toByteArray();
        assertTrue(BootstrapParams.parseFrom(any).getInstanceId().startsWith("containerd."), "precondition: it parses as both");

        StartRequest request = StartRequest.read(FLAGS, Map.of(), any);

        assertFalse(request.bootstrapParams());
        assertEquals(options, request.options());
        assertEquals("flag-id", request.id());
        assertEquals(StartRequest.DEFAULT_SOCKET_DIR, request.socketDir());
    }

    @Test
    void stdinThatIsNeitherIsAnError() {
        assertThrows(java.io.IOException.class, () -> StartRequest.read(FLAGS, Map.of(), new byte[] {(byte) 0xff, 0x01}));
    }

    @Test
    void majorVersions() {
        assertEquals(Optional.of(1), ContainerdVersion.major("1.7.24~ds1"));
        assertEquals(Optional.of(2), ContainerdVersion.major("v2.1.9"));
        assertEquals(Optional.of(2), ContainerdVersion.major("2.1.9+unknown"));
        assertEquals(Optional.empty(), ContainerdVersion.major("devel"));
        assertEquals(Optional.empty(), ContainerdVersion.major(""));
    }

    @Test
    void aContainerdThatDoesNotAnswerIsUnknown() {
        assertEquals(Optional.empty(), ContainerdVersion.ask("/nonexistent/containerd.sock", java.time.Duration.ofSeconds(1)));
    }
}
