package dev.jrunc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine and the versions a run measured, as the chart and the files name them: figures from a 2-core VM under
 * load and from a quiet 16-core box are different facts. The shim's JVM is the one its launcher execs, with the flags
 * of its jvm.args; its commit carries "+dirty" when shim/ has uncommitted changes (the usual case while tuning).
 */
final class Machine {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Machine() {
    }

    static void describe(Config config, Map<String, String> info) {
        info.put("date", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
        info.put("cpu", cpuModel());
        info.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        info.put("memory", memTotal());
        info.put("kernel", firstLine(read("/proc/sys/kernel/osrelease")));
        info.put("os", osName());
        info.put("containerd", word(firstLine(output("containerd", "--version")), 2));
        info.put("runc", word(firstLine(output(Config.which("runc"), "--version")), 2));
        info.put("go shim", goShimVersion());
        Path launcher = Mode.PER_POD.binary(config);
        info.put("shim java", javaVersion(shimJava(launcher)));
        info.put("shim jvm flags", jvmFlags(launcher));
        info.put("shim commit", commit(config.repo()));
        if (!config.shimDir().equals(config.repo().resolve("shim/target"))) {
            info.put("shim dir", config.shimDir().toString());   // not the repository's build: say so
        }
        info.put("benchmark java", System.getProperty("java.vm.version"));
    }

    static String loadAverage() {
        String[] words = read("/proc/loadavg").trim().split("\\s+");
        return words.length >= 3 ? words[0] + " " + words[1] + " " + words[2] : "?";
    }

    private static String cpuModel() {
        return read("/proc/cpuinfo").lines().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
    }

    private static String memTotal() {
        return read("/proc/meminfo").lines().filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> String.format("%.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0))
                .orElse("?");
    }

    private static String osName() {
        return read("/etc/os-release").lines().filter(l -> l.startsWith("PRETTY_NAME=")).findFirst()
                .map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", "")).orElse("Linux");
    }

    private static String goShimVersion() {
        String text = output(Mode.GO.binary(null).toString(), "-v");
        Matcher m = Pattern.compile("Version:\\s*(\\S+)").matcher(text);
        return m.find() ? m.group(1) : "?";
    }

    /** The java the launcher execs: JRUNC_JAVA if set, else the path baked into the launcher at build time. */
    static String shimJava(Path launcher) {
        String override = System.getenv("JRUNC_JAVA");
        if (override != null && !override.isBlank()) {
            return override;
        }
        Matcher m = Pattern.compile("java=\"\\$\\{JRUNC_JAVA:-([^}]+)}\"").matcher(read(launcher.toString()));
        return m.find() ? m.group(1) : "java";
    }

    private static String javaVersion(String java) {
        // `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15 / OpenJDK Runtime Environment (build …)
        List<String> lines = output(java, "-version").lines().toList();
        Optional<String> runtime = lines.stream().filter(l -> l.contains("Runtime Environment")).findFirst();
        String first = lines.isEmpty() ? "?" : lines.get(0);
        return first.replace("\"", "") + runtime.map(r -> " (" + r.replaceAll(".*\\(build ([^)]*)\\).*", "$1") + ")").orElse("");
    }

    /** The launcher's JVM flags as the header shows them: folders shortened to "…/". */
    private static String jvmFlags(Path launcher) {
        try {
            return String.join(" ", jvmArgs(launcher).stream().map(flag -> flag.replaceAll("/[^\\s:]*/", "…/")).toList());
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * The JVM flags of the launcher's jvm.args, one per line there, without the class path and the main class (they
     * say nothing about performance, and {@link JvmFloor} runs another class).
     */
    static List<String> jvmArgs(Path launcher) throws IOException {
        Matcher m = Pattern.compile("@(\\S*jvm\\.args)").matcher(Files.readString(launcher));
        if (!m.find()) {
            throw new IOException("no @…jvm.args in " + launcher);
        }
        List<String> flags = new ArrayList<>();
        boolean skipNext = false;
        for (String line : Files.readAllLines(Path.of(m.group(1)))) {
            String flag = line.trim();
            if (skipNext) {
                skipNext = false;
            } else if (flag.equals("-cp") || flag.equals("-classpath")) {
                skipNext = true;   // the class path on the next line
            } else if (flag.startsWith("-") && !flag.startsWith("-cp ") && !flag.startsWith("-classpath ")) {
                flags.add(flag);
            }
        }
        return flags;
    }

    private static String commit(Path repo) {
        String head = output("git", "-C", repo.toString(), "rev-parse", "--short", "HEAD").trim();
        if (head.isEmpty() || head.contains(" ")) {
            return "unknown";
        }
        String dirty = output("git", "-C", repo.toString(), "status", "--porcelain", "--", "shim/src/main", "shim/pom.xml").trim();
        return head + (dirty.isEmpty() ? "" : "+dirty");
    }

    private static String output(String... command) {
        Cmd.Result r = Cmd.run(List.of(command), null, Map.of("PATH", Config.SYSTEM_PATH), TIMEOUT);
        return r.ok() ? r.output() : "";
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return "";
        }
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse("").trim();
    }

    private static String word(String text, int index) {
        String[] words = text.split("\\s+");
        return words.length > index ? words[index] : text;
    }
}
