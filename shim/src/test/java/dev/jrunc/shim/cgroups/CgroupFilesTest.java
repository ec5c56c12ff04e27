package dev.jrunc.shim.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupFilesTest {

    @Test
    void numbersAreUnsigned64Bit() {
        assertEquals(9223372036854771712L, CgroupFiles.parseUint("9223372036854771712"));
        assertEquals("18446744073709551615", Long.toUnsignedString(CgroupFiles.parseUint("18446744073709551615")));
    }

    @Test
    void negativeNumbersBecomeZeroAsInContainerd() {
        assertEquals(0, CgroupFiles.parseUint("-1"));
        assertThrows(NumberFormatException.class, () -> CgroupFiles.parseUint("-"));
        assertThrows(NumberFormatException.class, () -> CgroupFiles.parseUint("max"));
    }

    @Test
    void keyValueLinesThatAreNoFiguresAreSkipped() {
        Map<String, Long> values = CgroupFiles.parseKeyValues("a 1\nmalformed\nb max\nc 2 3\n  d   4  \n\n");
        assertEquals(Map.of("a", 1L, "d", 4L), values);
    }

    @Test
    void missingFilesAreEmptyNotErrors(@TempDir Path dir) throws IOException {
        assertTrue(CgroupFiles.read(dir.resolve("memory.kmem.usage_in_bytes")).isEmpty());
        assertTrue(CgroupFiles.readUint(dir.resolve("memory.kmem.usage_in_bytes")).isEmpty());
        assertEquals(Map.of(), CgroupFiles.readKeyValues(dir.resolve("memory.events")));
        assertEquals(7, CgroupFiles.readLimit(dir.resolve("pids.max"), 1, 7));
    }

    @Test
    void limitsSayMaxOrANumber(@TempDir Path dir) throws IOException {
        Samples.write(dir, "pids.max", "max\n");
        Samples.write(dir, "memory.max", "16777216\n");
        assertEquals(CgroupFiles.UNLIMITED, CgroupFiles.readLimit(dir.resolve("pids.max"), CgroupFiles.UNLIMITED, 0));
        assertEquals(16777216, CgroupFiles.readLimit(dir.resolve("memory.max"), CgroupFiles.UNLIMITED, 0));
    }

    @Test
    void aFileThatIsNoNumberIsAnErrorNamingTheFile(@TempDir Path dir) {
        Path file = Samples.write(dir, "memory.usage_in_bytes", "lots\n");
        IOException e = assertThrows(IOException.class, () -> CgroupFiles.readUint(file));
        assertTrue(e.getMessage().contains("memory.usage_in_bytes"), e.getMessage());
    }
}
