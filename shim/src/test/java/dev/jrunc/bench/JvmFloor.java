package dev.jrunc.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM alone: the shim's java, with the JVM flags of the shim's jvm.args, running {@link IdleJvm} instead of the
 * shim. Its RSS, PSS and threads are the part of an idle per-pod shim that no change to the shim's code can take
 * away; the shim's own class archive is not mapped (it belongs to the shim's class path), so it counts on the
 * shim's side.
 */
final class JvmFloor {
    /** The memory point's "mode": not a shim mode, so the charts and per-mode rows leave it out. */
    static final String KEY = "jvm-floor";
    static final String LABEL = "JVM alone";

    private JvmFloor() {
    }

    static Results.MemoryPoint measure(Config config) throws Exception {
        Path launcher = Mode.PER_POD.binary(config);
        List<String> command = new ArrayList<>();
        command.add(Machine.shimJava(launcher));
        command.addAll(Machine.jvmArgs(launcher));
        command.add("-cp");
        command.add(Path.of(IdleJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        command.add(IdleJvm.class.getName());
        command.add("600000");
        Process jvm = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Procs.sleep(config.memSettleMillis());   // as the shims get: start-up work done before the figures
            if (!jvm.isAlive()) {
                throw new IllegalStateException("the idle JVM exited (" + jvm.exitValue() + "): " + String.join(" ", command));
            }
            Procs.Memory m = Procs.memory(jvm.pid());
            return new Results.MemoryPoint(KEY, 0, 1, m.rssKiB() / 1024, m.pssKiB() / 1024, m.pssAnonKiB() / 1024,
                    m.privateKiB() / 1024, m.rssKiB() / 1024, m.threads(), m.cpuSeconds());
        } finally {
            jvm.destroyForcibly().waitFor();
        }
    }
}
