package dev.jrunc.shim.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code containerd-shim-jrunc-v2}: the command line containerd runs.
 *
 * <p>containerd uses Go's flag syntax — single dash, flags before the action word:
 * <pre>
 *   containerd-shim-jrunc-v2 -namespace default -address /run/containerd/containerd.sock \
 *       -publish-binary /usr/bin/containerd -id c1 start        # start (or reuse) the shim, print its address
 *   containerd-shim-jrunc-v2 … -id c1 -bundle /run/…/c1 delete  # clean up after a shim that is gone
 *   containerd-shim-jrunc-v2 -namespace default -id c1 -address …   # (no action) the long-running shim itself
 * </pre>
 * The third form is what {@code start} spawns; containerd itself runs {@code start}, {@code delete} and (2.x)
 * {@code -info}, which the launcher answers without a JVM. Anything else — an unknown flag or action — is an error
 * on stderr and exit status 1, never the daemon.
 */
@Command(name = "containerd-shim-jrunc-v2", mixinStandardHelpOptions = false, exitCodeOnInvalidInput = 1,
        description = "containerd runtime v2 shim (io.containerd.jrunc.v2) that runs containers with runc.")
public final class Main implements Callable<Integer> {
    public static final String VERSION = "0.1.0";

    @Option(names = {"-namespace", "--namespace"}, description = "containerd namespace of the container")
    String namespace = "";

    @Option(names = {"-address", "--address"}, description = "containerd's gRPC socket")
    String address = "";

    @Option(names = {"-publish-binary", "--publish-binary"}, description = "containerd binary (unused: events go over ttrpc)")
    String publishBinary = "";

    @Option(names = {"-id", "--id"}, description = "container id")
    String id = "";

    @Option(names = {"-bundle", "--bundle"}, description = "bundle path (delete)")
    String bundle = "";

    @Option(names = {"-socket", "--socket"}, description = "serve on this socket path instead of the inherited fd 3")
    String socket = "";

    @Option(names = {"-debug", "--debug"}, arity = "0..1", description = "debug logging")
    boolean debug;

    @Option(names = {"-v", "-version", "--version"}, description = "print the version and exit")
    boolean version;

    @Option(names = {"-info", "--info"}, description = "print the runtime's info (protobuf RuntimeInfo) and exit;"
            + " answered by the launcher, containerd-shim-jrunc-v2")
    boolean info;

    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Parameters(arity = "0..1", paramLabel = "ACTION", description = "start | delete | (none: run the shim)")
    String action = "";

    public static void main(String[] args) throws Exception {
        var containerds = GoFlags.parse(args);
        if (containerds.isPresent()) {
            System.exit(run(containerds.get().flags(), containerds.get().action()));
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (info) {
            // Only a JVM started by hand gets here: the launcher answers -info itself (it asks runc, no JVM needed).
            System.err.println(ShimMode.current().binaryName() + ": -info is answered by the launcher"
                    + " (shim/target/containerd-shim-jrunc-v2 -info), not by the JVM");
            return 1;
        }
        if (version) {
            System.out.println("containerd-shim-jrunc-v2:\n  Version:  " + VERSION + "\n  Runtime:  io.containerd.jrunc.v2");
            return 0;
        }
        return run(new ShimFlags(namespace, address, id, bundle, socket, debug), action);
    }

    private static int run(ShimFlags flags, String action) throws Exception {
        return switch (action) {
            // start logs nothing before its answer (its stderr is containerd's pipe, read as the address), and
            // touches no logging at all until then: java.util.logging's start-up would be on every container's path.
            case "start" -> StartCommand.run(flags);
            case "delete" -> {
                ShimLogging.silence();
                yield DeleteCommand.run(flags);
            }
            case "" -> Daemon.run(flags);
            default -> {
                System.err.println(ShimMode.current().binaryName() + ": unknown action " + action
                        + " (start, delete, or none; see -h)");
                yield 1;
            }
        };
    }
}
