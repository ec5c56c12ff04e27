package dev.jrunc.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class VerboseInfoTest {

    // Shaped like containerd 1.6's verbose PodSandboxStatus info (abridged).
    private static final String SANDBOX_INFO = "{\n  \"pid\": 29400,\n  \"processStatus\": \"running\",\n"
            + "  \"runtimeHandler\": \"jrunc\",\n  \"runtimeType\": \"io.containerd.jrunc.v2\",\n"
            + "  \"config\": {\"metadata\": {\"name\": \"p\"}}\n}";

    @Test
    void readsThePidAndTheRuntimeType() {
        Map<String, String> info = Map.of("info", SANDBOX_INFO);
        assertEquals(OptionalLong.of(29400), VerboseInfo.pid(info));
        assertEquals("io.containerd.jrunc.v2", VerboseInfo.runtimeType(info));
    }

    @Test
    void withoutVerboseInfoThereIsNoPid() {
        assertTrue(VerboseInfo.pid(Map.of()).isEmpty());
        assertEquals("", VerboseInfo.runtimeType(Map.of()));
    }
}
