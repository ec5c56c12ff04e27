package dev.jrunc.shim.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.shim.json.Json;
import dev.jrunc.shim.proto.runc.Options;

/** What the shim reads from a bundle's config.json, and the options it leaves there for a later delete. */
class BundleTest {
    @TempDir
    Path dir;

    private Bundle withConfig(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
        return Bundle.load(dir);
    }

    private static String pidNamespace(String entry) {
        return "{\"linux\":{\"namespaces\":[{\"type\":\"network\"}," + entry + "]}}";
    }

    @Test
    void theFilesTheShimAndRuncUseAreInTheBundle() throws IOException {
        Bundle bundle = withConfig("{}");
        assertEquals(dir, bundle.dir());
        assertEquals(dir.resolve("rootfs"), bundle.rootfs());
        assertEquals(dir.resolve("init.pid"), bundle.initPidFile());
    }

    @Test
    void aContainerHasAPidNamespaceOfItsOwnUnlessItJoinsOne() throws IOException {
        assertTrue(withConfig(pidNamespace("{\"type\":\"pid\"}")).hasPrivatePidNamespace());
        assertTrue(withConfig(pidNamespace("{\"type\":\"pid\",\"path\":\"\"}")).hasPrivatePidNamespace());
        assertFalse(withConfig(pidNamespace("{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}")).hasPrivatePidNamespace(),
                "joins the host's (or a pod's) namespace");
        assertFalse(withConfig(pidNamespace("{\"type\":\"mount\"}")).hasPrivatePidNamespace(), "no pid entry: the host's");
        assertFalse(withConfig("{\"process\":{}}").hasPrivatePidNamespace(), "no linux section at all");
    }

    @Test
    void theGroupIsTheGroupAnnotationElseThePodsSandboxElseTheContainer() throws IOException {
        String both = "{\"annotations\":{\"" + Bundle.GROUP_ANNOTATION + "\":\"g1\",\"" + Bundle.SANDBOX_ANNOTATION
                + "\":\"pod1\"}}";
        assertEquals("g1", withConfig(both).groupKey("c1"));
        assertEquals("pod1", withConfig("{\"annotations\":{\"" + Bundle.GROUP_ANNOTATION + "\":\"\",\""
                + Bundle.SANDBOX_ANNOTATION + "\":\"pod1\"}}").groupKey("c1"), "an empty group names none");
        assertEquals("c1", withConfig("{\"annotations\":{\"other\":\"x\"}}").groupKey("c1"));
    }

    @Test
    void aBundleWhoseConfigIsGoneReadsAsAnEmptySpec() throws IOException {
        Bundle bundle = Bundle.load(dir);
        assertEquals("c1", bundle.groupKey("c1"));
        assertFalse(bundle.hasPrivatePidNamespace());
    }

    @Test
    void aConfigThatIsNotJsonIsAnErrorNamingTheFile() {
        IOException e = assertThrows(IOException.class, () -> withConfig("{\"linux\":"));
        assertTrue(e.getMessage().startsWith("invalid " + dir.resolve("config.json") + ": "), e.getMessage());
    }

    @Test
    void theInitsPidIsWhatRuncWroteOrZero() throws IOException {
        Bundle bundle = withConfig("{}");
        assertEquals(0, bundle.readInitPid(), "runc wrote none");
        Files.writeString(bundle.initPidFile(), "4242");
        assertEquals(4242, bundle.readInitPid());
        Files.writeString(bundle.initPidFile(), "42x");
        assertEquals(0, bundle.readInitPid());
    }

    @Test
    void theOptionsADeleteNeedsAreWrittenPrivatelyAndReadBack() throws IOException {
        Bundle bundle = withConfig("{}");
        bundle.writeOptions(Options.newBuilder().setBinaryName("/usr/local/bin/runc").setRoot("/run/my-runc")
                .setSystemdCgroup(true).setNoPivotRoot(true).setIoUid(1000).build());

        Options read = Bundle.readOptions(dir);
        assertEquals("/usr/local/bin/runc", read.getBinaryName());
        assertEquals("/run/my-runc", read.getRoot());
        assertTrue(read.getSystemdCgroup());
        assertEquals(Map.of("binary_name", "/usr/local/bin/runc", "root", "/run/my-runc", "systemd_cgroup", true,
                "no_pivot_root", true, "io_uid", 1000L),
                normalized(Json.parse(Files.readString(dir.resolve("options.json")))));
        assertEquals("/usr/local/bin/runc", Files.readString(dir.resolve("runtime")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("options.json"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("runtime"))));
    }

    @Test
    void defaultOptionsWriteNothingButAnEmptyObject() throws IOException {
        withConfig("{}").writeOptions(Options.getDefaultInstance());
        assertEquals(Map.of(), Json.parse(Files.readString(dir.resolve("options.json"))));
        assertEquals("", Files.readString(dir.resolve("runtime")));
        assertEquals(Options.getDefaultInstance(), Bundle.readOptions(dir));
    }

    @Test
    void missingOrUnreadableOptionsMeanTheDefaults() throws IOException {
        assertEquals(Options.getDefaultInstance(), Bundle.readOptions(dir));
        Files.writeString(dir.resolve("options.json"), "{\"binary_name\":");
        assertEquals(Options.getDefaultInstance(), Bundle.readOptions(dir));
    }

    /** JSON numbers parse as whatever Number fits; compare them as longs. */
    private static Object normalized(Object json) {
        if (json instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new java.util.HashMap<>();
            map.forEach((key, value) -> copy.put(key, value instanceof Number n ? (Object) n.longValue() : value));
            return copy;
        }
        return json;
    }
}
