package dev.jrunc.shim.cli;

/** Placeholder entry point; replaced by the picocli CLI. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("jrunc");
    }
}
