package dev.jrunc.shim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GoFlagsTest {

    @Test
    void containerdsStartAndDeleteCommandLines() {
        GoFlags.Parsed start = GoFlags.parse(new String[] {"-namespace", "k8s.io", "-address", "/run/containerd/containerd.sock",
                "-publish-binary", "/usr/bin/containerd", "-id", "c1", "-debug", "start"}).orElseThrow();
        assertEquals("start", start.action());
        assertEquals(new ShimFlags("k8s.io", "/run/containerd/containerd.sock", "c1", "", "", true), start.flags());

        GoFlags.Parsed delete = GoFlags.parse(new String[] {"--namespace=ns", "-address", "/a", "-id", "c2",
                "-bundle", "/run/b/c2", "delete"}).orElseThrow();
        assertEquals("delete", delete.action());
        assertEquals(new ShimFlags("ns", "/a", "c2", "/run/b/c2", "", false), delete.flags());
    }

    @Test
    void theDaemonsCommandLineHasNoAction() {
        GoFlags.Parsed daemon = GoFlags.parse(new String[] {"-namespace", "ns", "-id", "c1", "-address", "/a"}).orElseThrow();
        assertEquals("", daemon.action());
        assertEquals("c1", daemon.flags().id());
    }

    @Test
    void anythingElseIsLeftToPicocli() {
        assertTrue(GoFlags.parse(new String[] {"-v"}).isEmpty());
        assertTrue(GoFlags.parse(new String[] {"--help"}).isEmpty());
        assertTrue(GoFlags.parse(new String[] {"-namespace", "ns", "frobnicate"}).isEmpty());
        assertTrue(GoFlags.parse(new String[] {"-namespace"}).isEmpty(), "a flag without its value");
        assertTrue(GoFlags.parse(new String[] {"start", "-id", "x"}).isEmpty(), "the action word comes last");
    }
}
