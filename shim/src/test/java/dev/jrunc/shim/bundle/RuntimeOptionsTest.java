package dev.jrunc.shim.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import dev.jrunc.shim.proto.runc.Options;

class RuntimeOptionsTest {

    @Test
    void runcOptionsArriveAsTheyAre() throws Exception {
        Options sent = Options.newBuilder().setBinaryName("/opt/runc").setSystemdCgroup(true).build();
        assertEquals(sent, RuntimeOptions.from(any("containerd.runc.v1.Options", sent.toByteString())));
        assertEquals(sent, RuntimeOptions.from(any("type.googleapis.com/containerd.runc.v1.Options", sent.toByteString())));
    }

    @Test
    void runtimeOptionsPointAtATomlFileWithRuncsOptions(@TempDir Path dir) throws Exception {
        Path toml = dir.resolve("jrunc.toml");
        Files.writeString(toml, """
                # jrunc's runtime config
                BinaryName = "/usr/local/bin/runc-wrapper"
                Root = '/run/jrunc-runc'   # comment
                SystemdCgroup = true
                IoUid = 1000
                """);
        Options options = RuntimeOptions.from(any("runtimeoptions.v1.Options",
                dev.jrunc.shim.proto.runtimeoptions.Options.newBuilder().setConfigPath(toml.toString()).build().toByteString()));
        assertEquals("/usr/local/bin/runc-wrapper", options.getBinaryName());
        assertEquals("/run/jrunc-runc", options.getRoot());
        assertTrue(options.getSystemdCgroup());
        assertEquals(1000, options.getIoUid());
    }

    @Test
    void criSendsTheHandlersOptionsInlineWhenThereIsNoFile() throws Exception {
        // containerd 1.7+ CRI: config_body is the handler's options table as TOML (go-toml quotes with ' or ").
        String body = "BinaryName = '/opt/bin/runc'\nSystemdCgroup = true\nShimCgroup = \"/shims\"\n";
        Options options = RuntimeOptions.from(any("runtimeoptions.v1.Options", dev.jrunc.shim.proto.runtimeoptions.Options
                .newBuilder().setConfigBody(ByteString.copyFromUtf8(body)).build().toByteString()));
        assertEquals("/opt/bin/runc", options.getBinaryName());
        assertTrue(options.getSystemdCgroup());
        assertEquals("/shims", options.getShimCgroup());
    }

    @Test
    void aConfigFileWinsOverAnInlineBody(@TempDir Path dir) throws Exception {
        Path toml = dir.resolve("jrunc.toml");
        Files.writeString(toml, "BinaryName = \"/from/file\"\n");
        Options options = RuntimeOptions.from(any("runtimeoptions.v1.Options", dev.jrunc.shim.proto.runtimeoptions.Options
                .newBuilder().setConfigPath(toml.toString()).setConfigBody(ByteString.copyFromUtf8("BinaryName = \"/from/body\"\n"))
                .build().toByteString()));
        assertEquals("/from/file", options.getBinaryName());
    }

    @Test
    void unknownOrAbsentOptionsMeanDefaults() throws Exception {
        assertEquals(Options.getDefaultInstance(), RuntimeOptions.from(Any.getDefaultInstance()));
        assertEquals(Options.getDefaultInstance(), RuntimeOptions.from(any("io.example.Other", ByteString.copyFromUtf8("x"))));
    }

    @Test
    void brokenOptionsAreAnError() {
        assertThrows(IOException.class, () -> RuntimeOptions.from(any("containerd.runc.v1.Options", ByteString.copyFrom(new byte[] {(byte) 0xff}))));
        assertThrows(IOException.class, () -> RuntimeOptions.from(any("runtimeoptions.v1.Options",
                dev.jrunc.shim.proto.runtimeoptions.Options.newBuilder().setConfigPath("/no/such/file.toml").build().toByteString())));
    }

    @Test
    void whatTheTomlReaderDoesNotUnderstandIsAnErrorNamingTheFileAndLine(@TempDir Path dir) throws Exception {
        Path toml = dir.resolve("jrunc.toml");
        Files.writeString(toml, "BinaryName = \"/usr/bin/runc\"\nSystemdCgroups = true\n");
        IOException e = assertThrows(IOException.class, () -> RuntimeOptions.from(any("runtimeoptions.v1.Options",
                dev.jrunc.shim.proto.runtimeoptions.Options.newBuilder().setConfigPath(toml.toString()).build().toByteString())));
        assertTrue(e.getMessage().startsWith(toml + ", line 2: unknown key SystemdCgroups"), e.getMessage());

        IOException inline = assertThrows(IOException.class, () -> RuntimeOptions.from(any("runtimeoptions.v1.Options",
                dev.jrunc.shim.proto.runtimeoptions.Options.newBuilder().setConfigBody(ByteString.copyFromUtf8("[sub]\nRoot = '/x'\n"))
                        .build().toByteString())));
        assertTrue(inline.getMessage().startsWith("the runtime options' config_body, line 1: a table"), inline.getMessage());
    }

    private static Any any(String type, ByteString value) {
        return Any.newBuilder().setTypeUrl(type).setValue(value).build();
    }
}
