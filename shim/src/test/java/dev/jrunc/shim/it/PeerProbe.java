package dev.jrunc.shim.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.Testkit;

/**
 * A ttrpc client in another process, possibly as another user: a single-file Java program (run from source, so
 * it needs nothing but a JDK that user can read) that connects to a socket, sends the given bytes and says what
 * came back. It prints one line: {@code denied: …} (the connect failed), {@code closed …} (the server hung up
 * without answering), or {@code answered …}.
 */
final class PeerProbe {
    private static final String SOURCE = """
            import java.net.*;
            import java.nio.*;
            import java.nio.channels.*;
            import java.util.HexFormat;

            public class Probe {
                public static void main(String[] args) throws Exception {
                    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                    try {
                        channel.connect(UnixDomainSocketAddress.of(args[0]));
                    } catch (Exception e) {
                        System.out.println("denied: " + e.getMessage());
                        return;
                    }
                    try {
                        ByteBuffer out = ByteBuffer.wrap(HexFormat.of().parseHex(args[1]));
                        while (out.hasRemaining()) {
                            channel.write(out);
                        }
                        ByteBuffer in = ByteBuffer.allocate(10);
                        while (in.hasRemaining()) {
                            if (channel.read(in) < 0) {
                                System.out.println("closed without an answer");
                                return;
                            }
                        }
                        System.out.println("answered (a " + in.get(8) + "-type frame of " + in.getInt(0) + " bytes)");
                    } catch (Exception e) {
                        System.out.println("closed: " + e.getMessage());
                    }
                }
            }
            """;

    private PeerProbe() {
    }

    /** Runs the probe as uid/gid 65534 (nobody), through setpriv. */
    static String asNobody(Path workDir, Path socket, byte[] request) {
        return run(workDir, List.of("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"), socket, request);
    }

    static String asThisUser(Path workDir, Path socket, byte[] request) {
        return run(workDir, List.of(), socket, request);
    }

    private static String run(Path workDir, List<String> prefix, Path socket, byte[] request) {
        Path source = writeSource(workDir);
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), source.toString(),
                socket.toString(), HexFormat.of().formatHex(request)));
        CtrResult r = Testkit.run(Duration.ofSeconds(60), Map.of(), command.toArray(String[]::new));
        if (!r.ok() || r.stdout().isBlank()) {
            throw new AssertionError("the probe did not run: " + r);
        }
        return r.stdout().strip();
    }

    /** World-readable, in a folder others may pass through (the fixture's is 0711). */
    private static Path writeSource(Path workDir) {
        try {
            Path dir = Files.createDirectories(workDir.resolve("probe"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path source = dir.resolve("Probe.java");
            Files.writeString(source, SOURCE);
            Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
            return source;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
