package dev.jrunc.shim.cli;

import java.util.Optional;

/**
 * The fast path for the command lines containerd itself runs ({@code … start}, {@code … delete}, and the daemon's
 * {@code -namespace N -id I -address A}): Go's flag syntax, parsed by hand.
 *
 * <p>Why not picocli here too: it runs on every container's critical path, three JVMs per container, and
 * picocli (compiled for Java 5) can't be put in a class-data-sharing archive; parsing these few flags with it
 * cost ~120 ms per JVM on the reference machine. Anything this parser does not recognise — {@code -h},
 * {@code -v}, an unknown flag, a typo — goes to {@link Main}'s picocli command instead, which gives the
 * human-facing help and errors.
 */
final class GoFlags {

    private GoFlags() {
    }

    /** The flags and action of a command line containerd would run, or empty to leave it to picocli. */
    static Optional<Parsed> parse(String[] args) {
        String namespace = "", address = "", id = "", bundle = "", socket = "", action = "";
        boolean debug = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-")) {
                if (i != args.length - 1 || !(arg.equals("start") || arg.equals("delete"))) {
                    return Optional.empty();
                }
                action = arg;
                continue;
            }
            String name = arg.replaceFirst("^--?", "");
            String value = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            if (name.equals("debug")) {
                debug = value == null || Boolean.parseBoolean(value);
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    return Optional.empty();
                }
                value = args[++i];
            }
            switch (name) {
                case "namespace" -> namespace = value;
                case "address" -> address = value;
                case "id" -> id = value;
                case "bundle" -> bundle = value;
                case "socket" -> socket = value;
                case "publish-binary" -> {
                    // accepted and unused: events go to containerd over ttrpc
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(new Parsed(new ShimFlags(namespace, address, id, bundle, socket, debug), action));
    }

    record Parsed(ShimFlags flags, String action) {
    }
}
