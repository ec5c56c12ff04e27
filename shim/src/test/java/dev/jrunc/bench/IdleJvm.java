package dev.jrunc.bench;

/**
 * A Java program that does nothing: the benchmark runs it with the shim's java and JVM flags to measure what the JVM
 * alone costs, before any of the shim's code (see {@link JvmFloor}).
 */
public final class IdleJvm {
    private IdleJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        Thread.sleep(Long.parseLong(args[0]));   // idle is the point; the benchmark ends it sooner
    }
}
