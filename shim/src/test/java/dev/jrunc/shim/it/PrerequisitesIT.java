package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;

/**
 * verify.sh's prerequisites as a fresh machine meets them: apt's lists are empty until the first
 * {@code apt-get update}, so what apt can install is only known after it. Run against lists, a cache and a package
 * status of its own (apt's {@code Dir::State::Lists}, {@code Dir::Cache}, {@code Dir::State::status}: an empty one,
 * nothing installed), so the machine's own apt state is neither used nor touched, and as a dry run, so nothing is
 * installed.
 */
class PrerequisitesIT {

    @Test
    void onEmptyAptListsTheDecisionAboutCriuComesAfterTheUpdate(@TempDir Path tmp) throws Exception {
        Path lists = Files.createDirectories(tmp.resolve("lists/partial")).getParent();
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        Path status = Files.createFile(tmp.resolve("status"));
        List<String> aptOptions = List.of("-o", "Dir::State::Lists=" + lists, "-o", "Dir::Cache=" + cache,
                "-o", "Dir::State::status=" + status);

        // The situation of a fresh machine: with these lists, apt knows no criu at all.
        List<String> policy = new java.util.ArrayList<>(List.of("apt-cache"));
        policy.addAll(aptOptions);
        policy.addAll(List.of("policy", "criu"));
        String before = Testkit.run(Duration.ofSeconds(60), Map.of(), policy.toArray(String[]::new)).stdout();
        assertFalse(before.matches("(?s).*Candidate: [0-9].*"), "empty lists know no candidate for criu: " + before);

        Path verify = Testkit.shimProject().getParent().resolve("verify.sh");
        CtrResult dryRun = Testkit.run(Duration.ofMinutes(5),
                Map.of("JRUNC_APT_OPTS", String.join(" ", aptOptions), "JRUNC_ASSUME_MISSING", "criu"),
                "bash", verify.toString(), "prerequisites", "--dry-run");
        Assumptions.assumeFalse(dryRun.stderr().contains("apt-get update failed"),
                () -> "skipped, because Debian's archive cannot be reached from here (apt-get update failed): " + dryRun);
        dryRun.assertOk();
        List<String> lines = dryRun.stdoutLines();
        assertTrue(lines.contains("    apt-get update"), "the lists were brought up to date first: " + dryRun);
        String decision = lines.get(lines.size() - 1);
        assertTrue(decision.startsWith("would install: ") && List.of(decision.substring(15).split(" ")).contains("criu"),
                "criu is installed once apt knows it: " + dryRun);
    }
}
