package dev.jrunc.shim.it;

/**
 * The sizes of the drills. CI runs them at their defaults, chosen to fit its time budget; {@code ./verify.sh soak}
 * raises them through the same environment variables (a system property of the same name, lower-case with dots,
 * e.g. {@code -Djrunc.drill.churn=1000}, wins).
 */
final class DrillKnobs {
    private DrillKnobs() {
    }

    /** Container lifecycles in the churn drill (one shared shim, so the counts belong to one long-lived process). */
    static int churn() {
        return value("JRUNC_DRILL_CHURN", 200);
    }

    /** Short-lived orphans the host-pid container's init leaves to the shim. */
    static int orphans() {
        return value("JRUNC_DRILL_ORPHANS", 1000);
    }

    /** Execs started at once in one container. */
    static int execs() {
        return value("JRUNC_DRILL_EXECS", 50);
    }

    /** Containers started at once (one shim each). */
    static int parallelContainers() {
        return value("JRUNC_DRILL_PARALLEL", 20);
    }

    /** {@code ctr run --rm} lifecycles through one shared shim in the outputs drill (each checks its output). */
    static int outputsShared() {
        return value("JRUNC_DRILL_OUTPUTS", 300);
    }

    /** The same through the per-pod runtime: a shim (a JVM) per lifecycle, so far fewer. */
    static int outputsPerPod() {
        return value("JRUNC_DRILL_OUTPUTS_PER_POD", 40);
    }

    /** Execs with checked output, per runtime, in the outputs drill. */
    static int outputsExecs() {
        return value("JRUNC_DRILL_OUTPUTS_EXECS", 80);
    }

    /** How many of the outputs drill's clients run at once. */
    static int outputsParallel() {
        return value("JRUNC_DRILL_OUTPUTS_PARALLEL", 4);
    }

    /** CPU burners ({@code sha256sum /dev/zero}) kept running during the outputs drill: one per core unless set; 0 = none. */
    static int load() {
        String property = System.getProperty("jrunc.drill.load");
        String text = property != null ? property : System.getenv("JRUNC_DRILL_LOAD");
        if (text == null || text.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        int value = Integer.parseInt(text.trim());
        if (value < 0) {
            throw new IllegalArgumentException("JRUNC_DRILL_LOAD must be 0 or more, not " + value);
        }
        return value;
    }

    static int value(String variable, int defaultValue) {
        String property = System.getProperty(variable.toLowerCase().replace('_', '.'));
        String text = property != null ? property : System.getenv(variable);
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        int value = Integer.parseInt(text.trim());
        if (value < 1) {
            throw new IllegalArgumentException(variable + " must be at least 1, not " + value);
        }
        return value;
    }
}
