package dev.jrunc.shim.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jrunc.shim.reaper.Reaper;

/** What a spawned child inherits: only the fds we map, default signals, the env and cwd we give. */
class SpawnTest {
    private static final Reaper REAPER = Reaper.start();

    @Test
    void theChildGetsOnlyTheFdsWeMap() throws Exception {
        String out = run(Spawn.of("/bin/sh", List.of("sh", "-c", "ls /proc/self/fd | sort -n | tr '\\n' ' '")));
        // 0, 1, 2, and the fd ls itself opens to read the directory
        assertEquals("0 1 2 3 ", out, "the JVM's jars and sockets must not leak into runc and the container");
    }

    @Test
    void anExtraFdArrivesAtItsNumber() throws Exception {
        int[] pipe = Posix.pipe();
        try {
            byte[] hello = "through fd 3".getBytes(StandardCharsets.UTF_8);
            Posix.writeFully(pipe[1], hello, hello.length);
            Posix.close(pipe[1]);
            String out = run(Spawn.of("/bin/sh", List.of("sh", "-c", "cat <&3")).fd(3, pipe[0]));
            assertEquals("through fd 3", out);
        } finally {
            Posix.close(pipe[0]);
        }
    }

    @Test
    void noSignalIsLeftIgnoredInTheChild() throws Exception {
        String out = run(Spawn.of("/bin/sh", List.of("sh", "-c", "grep SigIgn /proc/self/status")));
        // glibc's posix_spawn would leave its internal signals 32 and 33 ignored unless we reset them
        assertEquals("SigIgn:\t0000000000000000\n", out);
    }

    @Test
    void newSessionCwdAndEnv() throws Exception {
        String out = run(Spawn.of("/bin/sh", List.of("sh", "-c", "echo $(pwd) $GREETING; ps -o sid= -p $$; echo $$"))
                .cwd(Path.of("/tmp")).env(Map.of("GREETING", "hi", "PATH", "/usr/bin:/bin")).newSession());
        String[] lines = out.trim().split("\n");
        assertEquals("/tmp hi", lines[0]);
        assertEquals(lines[2].trim(), lines[1].trim(), "session id = the child's own pid");
    }

    @Test
    void aMissingProgramIsAnErrorAtOnce() {
        PosixException e = assertThrows(PosixException.class,
                () -> Spawn.of("/no/such/program", List.of("x")).start());
        assertEquals(Posix.ENOENT, e.errno());
    }

    /** Runs the child with stdout into a memfd and returns what it printed. */
    private static String run(Spawn spawn) throws Exception {
        int out = Posix.memfd("spawn-test");
        try {
            assertNotEquals(-1, out);
            int status = REAPER.spawn(spawn.fd(1, out)).await().status();
            assertEquals(0, status, "child's exit status");
            return new String(Posix.readAll(out), StandardCharsets.UTF_8);
        } finally {
            Posix.close(out);
        }
    }
}
