package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * {@code ctr run --log-uri binary:///path/to/logger?…}: the shim starts the logging program with the container's
 * stdout on its fd 3 and stderr on its fd 4, and waits for its fd 5 to close. The same logger, the same container,
 * under our shim and under the Go shim: the same files come out.
 */
@WithPrivateContainerd
class BinaryLogIT {
    /**
     * A logger as containerd documents them: says it is ready by closing fd 5, copies fd 3 and fd 4 into files
     * named after its arguments, and notes who it was started for.
     */
    private static final String LOGGER = """
            #!/bin/sh
            # $1 = "dir", $2 = the folder (from the URI's query ?dir=…)
            out=$2/$CONTAINER_NAMESPACE-$CONTAINER_ID
            mkdir -p "$out"
            echo "$#:$1" > "$out/args"
            env | sort > "$out/env"
            exec 5>&-        # ready (before the copies start: they would inherit fd 5 and keep it open)
            cat <&3 > "$out/stdout" &
            cat <&4 > "$out/stderr" &
            wait
            """;

    @Test
    void aLoggingProgramGetsTheOutputAsFromTheGoShim(Containerd containerd) throws Exception {
        Path logger = containerd.dir().resolve("logger.sh");
        Files.writeString(logger, LOGGER);
        Files.setPosixFilePermissions(logger, PosixFilePermissions.fromString("rwx------"));
        Path logs = Files.createDirectories(containerd.dir().resolve("logs"));

        java.util.Map<String, String> environments = new java.util.LinkedHashMap<>();
        for (String runtime : List.of(Containerd.JRUNC_RUNTIME, "io.containerd.runc.v2")) {
            String id = runtime.contains("jrunc") ? "logged-jrunc" : "logged-go";
            CtrResult r = containerd.ctr("run", "--rm", "--runtime", runtime, "--log-uri",
                    "binary://" + logger + "?dir=" + logs, "--env", Containerd.PATH_ENV, "--rootfs",
                    containerd.busyboxRootfs().toString(), id, "sh", "-c", "echo to stdout; echo to stderr >&2; exit 3");
            assertEquals(3, r.exitCode(), r::toString);
            Path out = logs.resolve(containerd.namespace() + "-" + id);
            Procs.await(id + "'s logger wrote both streams", () -> read(out.resolve("stdout")).equals("to stdout\n")
                    && read(out.resolve("stderr")).equals("to stderr\n"));
            assertEquals("2:dir\n", read(out.resolve("args")), "the URI's query as arguments");
            String env = read(out.resolve("env"));
            assertTrue(env.contains("CONTAINER_ID=" + id + "\n") && env.contains("CONTAINER_NAMESPACE=" + containerd.namespace() + "\n"), env);
            environments.put(runtime, env.replace(id, "<id>"));
        }
        assertEquals(environments.get("io.containerd.runc.v2"), environments.get(Containerd.JRUNC_RUNTIME),
                "the logger's whole environment (and working folder), as the Go shim gives it");
        assertEquals(List.of(), containerd.ctr("container", "ls", "-q").stdoutLines(), "ctr run --rm removed both");
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
