package dev.jrunc.kubelet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a kubelet comes from. The repository holds none and builds none: the learner brings one, and the lab and
 * the tests that need it report themselves skipped, with this class's reason, where there is none.
 *
 * <p>In this order: {@code JRUNC_KUBELET=/path/to/kubelet}; {@code kubelet} on the PATH; the official release that
 * {@code ./verify.sh kubelet} downloads (and checks against its pinned SHA-256) into
 * {@code /var/cache/jrunc/kubelet/<version>/kubelet}.
 */
public final class KubeletBinary {
    /** The variable that names a kubelet binary explicitly. */
    public static final String ENV = "JRUNC_KUBELET";
    /** Where {@code ./verify.sh kubelet} keeps the releases it downloaded, one folder per version. */
    public static final Path DOWNLOADS = Path.of("/var/cache/jrunc/kubelet");

    private static final String HOW_TO_GET_ONE = "put a kubelet (1.34 or newer) on PATH, or set JRUNC_KUBELET=/path/to/kubelet,"
            + " or run ./verify.sh kubelet, which downloads the pinned official release from dl.k8s.io and checks its SHA-256";

    private KubeletBinary() {
    }

    /** What the search found: a kubelet, or why there is none. */
    public record Found(Optional<Path> kubelet, String reason) {
        public boolean present() {
            return kubelet.isPresent();
        }

        /** The one sentence a lab or test prints when it does not run: "skipped, because no kubelet is available (…)". */
        public String skipped() {
            return "skipped, because no kubelet is available (" + reason + "; " + HOW_TO_GET_ONE + ")";
        }
    }

    /** The kubelet this machine offers, from this process's environment. */
    public static Found find() {
        return find(System.getenv(), DOWNLOADS);
    }

    static Found find(Map<String, String> env, Path downloads) {
        String named = env.getOrDefault(ENV, "");
        if (!named.isEmpty()) {
            Path p = Path.of(named);
            return executable(p) ? new Found(Optional.of(p.toAbsolutePath()), "")
                    : new Found(Optional.empty(), ENV + "=" + named + " is not an executable file");
        }
        for (String dir : env.getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && executable(Path.of(dir, "kubelet"))) {
                return new Found(Optional.of(Path.of(dir, "kubelet").toAbsolutePath()), "");
            }
        }
        Optional<Path> downloaded = newestDownload(downloads);
        if (downloaded.isPresent()) {
            return new Found(downloaded, "");
        }
        return new Found(Optional.empty(), ENV + " is not set, there is no kubelet on PATH and none in " + downloads);
    }

    /** {@code <downloads>/v1.35.1/kubelet} and the like: the highest version wins. */
    private static Optional<Path> newestDownload(Path downloads) {
        if (!Files.isDirectory(downloads)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(downloads)) {
            return versions.map(v -> v.resolve("kubelet")).filter(KubeletBinary::executable)
                    .max(Comparator.comparing(p -> versionKey(p.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** "v1.35.1" → "00001.00035.00001", so that 1.35 sorts after 1.9 as text. */
    static String versionKey(String version) {
        StringBuilder key = new StringBuilder();
        for (String part : version.replaceFirst("^v", "").split("[.-]")) {
            key.append(part.matches("\\d+") ? String.format("%05d", Integer.parseInt(part)) : part).append('.');
        }
        return key.toString();
    }

    private static boolean executable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }

    /** The release line of a {@code kubelet --version} answer ("Kubernetes v1.36.2" → [1, 36]), or empty. */
    public static List<Integer> minorVersion(String versionOutput) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("v(\\d+)\\.(\\d+)").matcher(versionOutput);
        return m.find() ? List.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))) : List.of();
    }
}
