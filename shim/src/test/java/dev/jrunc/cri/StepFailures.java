package dev.jrunc.cri;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the failures of steps that later steps do not depend on (ExecSync, the log, UpdateContainerResources),
 * so that one broken call does not hide whether the rest of the lifecycle and the clean-up work. The test still
 * fails, at the end, listing every failed step.
 */
final class StepFailures {

    /** A step that may throw an AssertionError or a CRI error. */
    interface Step {
        void run() throws Exception;
    }

    private final List<String> failures = new ArrayList<>();

    void check(String name, Step step) {
        try {
            step.run();
        } catch (AssertionError | RuntimeException e) {
            failures.add("[" + name + "] " + e.getMessage());
            System.out.println("STEP FAILED (continuing): " + name + ": " + e);
        } catch (Exception e) {
            failures.add("[" + name + "] " + e);
        }
    }

    void assertNone() {
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " step(s) failed:\n  " + String.join("\n  ", failures));
        }
    }
}
