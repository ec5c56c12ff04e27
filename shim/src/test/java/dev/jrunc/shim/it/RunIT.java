package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/** {@code ctr run --rm} through our shim: output, exit status, stdio. */
@WithPrivateContainerd
class RunIT {
    private static final String JRUNC = Containerd.JRUNC_RUNTIME;

    @Test
    void echoPrintsHelloAndExitsZero(Containerd containerd) {
        CtrResult r = containerd.runBusybox(JRUNC, "run-echo", "echo", "hello");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("hello\n", r.stdout(), r::toString);
    }

    @Test
    void exitStatusComesBack(Containerd containerd) {
        CtrResult r = containerd.runBusybox(JRUNC, "run-exit7", "sh", "-c", "exit 7");

        assertEquals(7, r.exitCode(), r::toString);
    }

    @Test
    void quarterMegabyteOfOutputArrivesIntact(Containerd containerd) {
        // 262144 bytes: 4096 numbered lines of 64 bytes, so a lost or reordered chunk shows.
        CtrResult r = containerd.runBusybox(JRUNC, "run-big", "sh", "-c",
                "i=0; while [ $i -lt 4096 ]; do printf '%063d\\n' $i; i=$((i+1)); done");

        assertEquals(0, r.exitCode(), () -> r.toString().substring(0, 300));
        assertEquals(262144, r.stdout().length(), "bytes of output");
        String[] lines = r.stdout().split("\n");
        assertEquals(4096, lines.length);
        for (int i = 0; i < lines.length; i++) {
            assertEquals(String.format("%063d", i), lines[i], "line " + i);
        }
    }

    @Test
    void stdoutAndStderrStayApart(Containerd containerd) {
        CtrResult r = containerd.runBusybox(JRUNC, "run-split", "sh", "-c", "echo to-out; echo to-err >&2; echo more-out");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("to-out\nmore-out\n", r.stdout(), r::toString);
        assertTrue(r.stderr().contains("to-err"), r::toString);
        assertTrue(!r.stderr().contains("to-out"), r::toString);
    }

    @Test
    void stdinComesBack(Containerd containerd) {
        // `read`, not `cat`: containerd 1.6's ctr never closes the container's stdin, with either shim.
        CtrResult r = containerd.ctrWithStdin("piped in\nsecond line\n".getBytes(), "run", "--rm", "--runtime", JRUNC,
                "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), "run-stdin",
                "sh", "-c", "read a; read b; echo \"[$a] [$b]\"");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("[piped in] [second line]\n", r.stdout(), r::toString);
    }

    @Test
    void aMissingCommandIsRuncsErrorNotAHang(Containerd containerd) {
        CtrResult r = containerd.runBusybox(JRUNC, "run-missing", "/no/such/program");

        assertTrue(r.exitCode() != 0, r::toString);
        assertTrue(r.stderr().contains("OCI runtime create failed"), r::toString);
        assertTrue(r.stderr().contains("/no/such/program"), r::toString);
    }
}
