package dev.jrunc.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletBinaryTest {
    @TempDir
    Path tmp;

    private Path executable(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void theVariableWinsOverPathAndDownloads() throws IOException {
        Path named = executable(tmp.resolve("mine/kubelet"));
        executable(tmp.resolve("bin/kubelet"));
        executable(tmp.resolve("downloads/v1.35.1/kubelet"));
        KubeletBinary.Found f = KubeletBinary.find(Map.of("JRUNC_KUBELET", named.toString(), "PATH", tmp.resolve("bin").toString()),
                tmp.resolve("downloads"));
        assertEquals(Optional.of(named), f.kubelet());
    }

    @Test
    void aVariableNamingNothingUsableIsTheReasonNotAFallThrough() throws IOException {
        executable(tmp.resolve("bin/kubelet"));
        KubeletBinary.Found f = KubeletBinary.find(Map.of("JRUNC_KUBELET", tmp.resolve("nope").toString(), "PATH", tmp.resolve("bin").toString()),
                tmp.resolve("downloads"));
        assertFalse(f.present());
        assertTrue(f.skipped().startsWith("skipped, because no kubelet is available (JRUNC_KUBELET=" + tmp.resolve("nope") + " is not an executable file; "),
                f.skipped());
    }

    @Test
    void pathBeforeDownloadsAndTheNewestDownload() throws IOException {
        Path onPath = executable(tmp.resolve("bin/kubelet"));
        executable(tmp.resolve("downloads/v1.9.0/kubelet"));
        Path newest = executable(tmp.resolve("downloads/v1.35.1/kubelet"));
        assertEquals(Optional.of(onPath), KubeletBinary.find(Map.of("PATH", "/nonexistent:" + tmp.resolve("bin")), tmp.resolve("downloads")).kubelet());
        assertEquals(Optional.of(newest), KubeletBinary.find(Map.of("PATH", "/nonexistent"), tmp.resolve("downloads")).kubelet());
    }

    @Test
    void noneAnywhereSaysWhereItLookedAndHowToGetOne() {
        KubeletBinary.Found f = KubeletBinary.find(Map.of("PATH", "/nonexistent"), tmp.resolve("downloads"));
        assertFalse(f.present());
        assertTrue(f.skipped().contains("JRUNC_KUBELET is not set, there is no kubelet on PATH and none in " + tmp.resolve("downloads")), f.skipped());
        assertTrue(f.skipped().contains("./verify.sh kubelet"), f.skipped());
    }

    @Test
    void aNonExecutableFileIsNoKubelet() throws IOException {
        Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(tmp.resolve("bin/kubelet"), "not a program");
        assertFalse(KubeletBinary.find(Map.of("PATH", tmp.resolve("bin").toString()), tmp.resolve("downloads")).present());
    }

    @Test
    void releaseLine() {
        assertEquals(List.of(1, 36), KubeletBinary.minorVersion("Kubernetes v1.36.2"));
        assertEquals(List.of(1, 35), KubeletBinary.minorVersion("Kubernetes v1.35.1-eks-abc"));
        assertEquals(List.of(), KubeletBinary.minorVersion("garbage"));
    }
}
