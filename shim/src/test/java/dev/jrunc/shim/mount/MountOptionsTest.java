package dev.jrunc.shim.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class MountOptionsTest {

    @Test
    void overlayOptionsBecomeData() {
        MountOptions o = MountOptions.parse(List.of("index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2"));
        assertEquals(0, o.flags());
        assertEquals("index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2", o.data());
        assertEquals(0, o.propagation());
    }

    @Test
    void flagWordsSetAndClearFlags() {
        MountOptions o = MountOptions.parse(List.of("rbind", "ro", "nosuid", "nodev", "rw", "noexec"));
        assertEquals(MountOptions.MS_BIND | MountOptions.MS_REC | MountOptions.MS_NOSUID | MountOptions.MS_NODEV
                | MountOptions.MS_NOEXEC, o.flags(), "rw after ro clears MS_RDONLY");
        assertTrue(o.isBind());
        assertEquals("", o.data());
    }

    @Test
    void propagationIsKeptApart() {
        MountOptions o = MountOptions.parse(List.of("bind", "rprivate"));
        assertEquals(MountOptions.MS_BIND, o.flags());
        assertEquals(MountOptions.MS_PRIVATE | MountOptions.MS_REC, o.propagation());
    }

    @Test
    void loopMountsAreRefusedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MountOptions.parse(List.of("loop", "ro")));
        assertEquals("jrunc: loop mounts are not supported", e.getMessage());
    }
}
