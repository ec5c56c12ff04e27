package dev.jrunc.cri;

import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what containerd adds to PodSandboxStatus and ContainerStatus when asked with {@code verbose = true}: an
 * entry {@code info} holding a JSON document about the sandbox or container. CRI itself has no pid field; this
 * JSON is where {@code crictl inspect} finds it, and so do we.
 */
public final class VerboseInfo {

    private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");
    private static final Pattern RUNTIME_TYPE = Pattern.compile("\"runtimeType\"\\s*:\\s*\"([^\"]*)\"");

    private VerboseInfo() {
    }

    /** The process id of the sandbox's pause process or the container's init process (0 or absent: none). */
    public static OptionalLong pid(Map<String, String> info) {
        Matcher m = PID.matcher(info.getOrDefault("info", ""));
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The containerd runtime the CRI handler resolved to, e.g. {@code io.containerd.jrunc.v2}; empty if absent. */
    public static String runtimeType(Map<String, String> info) {
        Matcher m = RUNTIME_TYPE.matcher(info.getOrDefault("info", ""));
        return m.find() ? m.group(1) : "";
    }
}
