package dev.jrunc.shim.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void readsAnOciConfigFragment() {
        Object config = Json.parse("""
                {"ociVersion":"1.0.2","annotations":{"io.kubernetes.cri.sandbox-id":"abc"},
                 "linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}]},
                 "process":{"terminal":false,"args":["sh","-c","echo \\"hi\\"\\n"],"user":{"uid":0}}}""");
        assertEquals("abc", Json.path(config, "annotations", "io.kubernetes.cri.sandbox-id"));
        assertEquals(List.of("sh", "-c", "echo \"hi\"\n"), Json.path(config, "process", "args"));
        assertEquals(0L, Json.path(config, "process", "user", "uid"));
        assertEquals(Boolean.FALSE, Json.path(config, "process", "terminal"));
        assertNull(Json.path(config, "annotations", "missing"));
        assertNull(Json.path(config, "ociVersion", "not-an-object"));
    }

    @Test
    void readsRuncLogLinesAndPsOutput() {
        Object line = Json.parse("{\"level\":\"error\",\"msg\":\"container \\u0022x\\u0022 does not exist\",\"time\":\"2026\"}");
        assertEquals("container \"x\" does not exist", Json.path(line, "msg"));
        assertEquals(List.of(1L, 42L, 7L), Json.parse("[1, 42,7]"));
        assertEquals(List.of(), Json.parse(" [ ] "));
        assertEquals(-1.5e3, Json.parse("-1.5e3"));
    }

    @Test
    void writesWhatItReads() {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("binary_name", "/usr/bin/runc \"x\"");
        options.put("systemd_cgroup", true);
        options.put("io_uid", 1000);
        String json = Json.write(options);
        assertEquals("{\"binary_name\":\"/usr/bin/runc \\\"x\\\"\",\"systemd_cgroup\":true,\"io_uid\":1000}", json);
        assertEquals(Map.of("binary_name", "/usr/bin/runc \"x\"", "systemd_cgroup", true, "io_uid", 1000L), Json.parse(json));
    }

    @Test
    void rejectsBrokenInputWithItsOffset() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1,2"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"unterminated"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
        assertEquals("JSON: unexpected trailing characters at offset 3", e.getMessage());
    }
}
