package dev.jrunc.shim.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import dev.jrunc.testkit.Containerd;

/**
 * A runc that misbehaves on request: a shell script given to the shim as runc's {@code BinaryName} (through
 * {@code ctr run --runtime-config-path}), which execs the real runc unless files in its folder say otherwise.
 * The script reads them at every call, so a test can change runc's behaviour between two calls:
 * <ul>
 *   <li>{@code hold-<subcommand>} exists: wait until the test removes it (at most 120 s), then run runc;</li>
 *   <li>{@code fail-<subcommand>} exists: write its text as runc's error to the {@code --log} file, exit 1;</li>
 *   <li>every call appends the wrapper's pid to {@code entered-<subcommand>}, so the test sees it arrive.</li>
 * </ul>
 */
final class RuncWrapper {
    private static final String SUBCOMMANDS = "create|start|exec|delete|kill|pause|resume|ps|update|state|checkpoint";

    private final Path dir;

    private RuncWrapper(Path dir) {
        this.dir = dir;
    }

    /** Writes the wrapper and its TOML (BinaryName) into {@code dir}. */
    static RuncWrapper in(Path dir) {
        try {
            Files.createDirectories(dir);
            Path script = dir.resolve("runc");
            Files.writeString(script, """
                    #!/bin/sh
                    # runc, misbehaving on request (RuncWrapper.java): files in DIR say how.
                    d=DIR
                    sub= log= prev=
                    for a in "$@"; do
                      [ "$prev" = --log ] && log=$a
                      case $a in SUBCOMMANDS) [ -z "$sub" ] && sub=$a ;; esac
                      prev=$a
                    done
                    echo $$ >>"$d/entered-$sub"
                    if [ -f "$d/fail-$sub" ]; then
                      printf '{"level":"error","msg":"%s","time":"2026-01-01T00:00:00Z"}\\n' "$(cat "$d/fail-$sub")" >>"$log"
                      exit 1
                    fi
                    n=0
                    while [ -f "$d/hold-$sub" ] && [ $n -lt 2400 ]; do sleep 0.05; n=$((n + 1)); done
                    exec RUNC "$@"
                    """.replace("DIR", dir.toString()).replace("SUBCOMMANDS", SUBCOMMANDS).replace("RUNC", realRunc()));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(dir.resolve("runtime.toml"), "BinaryName = \"" + script + "\"\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new RuncWrapper(dir);
    }

    /** The TOML for {@code ctr run --runtime-config-path}. */
    Path runtimeConfig() {
        return dir.resolve("runtime.toml");
    }

    /** {@code runc <subcommand>} waits until {@link #release} (or 120 s). */
    void hold(String subcommand) {
        write("hold-" + subcommand, "");
    }

    void release(String subcommand) {
        delete("hold-" + subcommand);
    }

    /** {@code runc <subcommand>} fails with this message in its log, as runc itself reports errors. */
    void fail(String subcommand, String message) {
        write("fail-" + subcommand, message);
    }

    /** How many times {@code runc <subcommand>} was called so far. */
    int calls(String subcommand) {
        Path entered = dir.resolve("entered-" + subcommand);
        try {
            return Files.exists(entered) ? (int) Files.readAllLines(entered).stream().filter(l -> !l.isBlank()).count() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lets every held call go (for clean-up). */
    void releaseAll() {
        for (String subcommand : SUBCOMMANDS.split("\\|")) {
            release(subcommand);
        }
    }

    /** {@code ctr run -d --runtime RUNTIME --runtime-config-path <toml> … ID COMMAND…}: through this wrapper. */
    List<String> runArgs(Containerd containerd, String runtime, String id, String... command) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d", "--runtime", runtime,
                "--runtime-config-path", runtimeConfig().toString(), "--env", Containerd.PATH_ENV,
                "--rootfs", containerd.busyboxRootfs().toString(), id));
        args.addAll(List.of(command));
        return args;
    }

    private void write(String name, String text) {
        try {
            Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void delete(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String realRunc() {
        for (String folder : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin")) {
            if (Files.isExecutable(Path.of(folder, "runc"))) {
                return folder + "/runc";
            }
        }
        throw new AssertionError("runc not found");
    }
}
