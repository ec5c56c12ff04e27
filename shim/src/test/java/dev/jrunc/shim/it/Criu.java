package dev.jrunc.shim.it;

import java.time.Duration;
import java.util.Map;

import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;

/**
 * What CRIU can do on this machine, asked once: whether it is installed, and whether {@code criu check} passes.
 * Checkpoint and restore tests take the path the machine allows and report the other as skipped, with the reason.
 */
final class Criu {
    private static CtrResult check;

    private Criu() {
    }

    static synchronized CtrResult check() {
        if (check == null) {
            try {
                check = Testkit.run(Duration.ofSeconds(30), Map.of(), "criu", "check");
            } catch (RuntimeException notInstalled) {
                check = new CtrResult(127, "", "criu is not installed: " + notInstalled.getMessage());
            }
        }
        return check;
    }

    static boolean installed() {
        return check().exitCode() != 127;
    }

    static boolean works() {
        return check().exitCode() == 0;
    }

    /** Why CRIU cannot work here, for a skip message. */
    static String whyNot() {
        if (!installed()) {
            return "criu is not installed (verify.sh installs it where apt has it)";
        }
        return "CRIU cannot work on this machine (`criu check`: " + check().stderr().trim().replaceAll("\\s+", " ") + ")";
    }
}
