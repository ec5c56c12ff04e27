package dev.jrunc.shim.cli;

import java.util.ArrayList;
import java.util.List;

/** The flags containerd passes to every shim invocation. */
record ShimFlags(String namespace, String address, String id, String bundle, String socket, boolean debug) {

    /** The daemon's arguments, as the Go shim's: {@code -namespace NS -id ID -address ADDR [-debug]}. */
    List<String> daemonArguments() {
        List<String> args = new ArrayList<>(List.of("-namespace", namespace, "-id", id, "-address", address));
        if (debug) {
            args.add("-debug");
        }
        return args;
    }
}
