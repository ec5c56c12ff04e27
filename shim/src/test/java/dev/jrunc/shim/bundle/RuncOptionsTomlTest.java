package dev.jrunc.shim.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.jrunc.shim.proto.runc.Options;

class RuncOptionsTomlTest {

    @Test
    void readsEveryOptionByItsGoName() throws Exception {
        Options options = parse("""
                # runc's options for containerd-shim-jrunc-v2
                BinaryName = "/usr/local/bin/runc"
                Root = '/run/jrunc-runc'   # a comment after a value
                SystemdCgroup = true
                NoPivotRoot = false
                NoNewKeyring = true
                ShimCgroup = "/shims"
                IoUid = 1_000
                IoGid = 4294967295
                CriuPath = "/usr/sbin/criu"
                CriuImagePath = "/var/lib/criu/images"
                CriuWorkPath = "/var/lib/criu/work"

                """);
        assertEquals(Options.newBuilder().setBinaryName("/usr/local/bin/runc").setRoot("/run/jrunc-runc").setSystemdCgroup(true)
                .setNoNewKeyring(true).setShimCgroup("/shims").setIoUid(1000).setIoGid(-1).setCriuPath("/usr/sbin/criu")
                .setCriuImagePath("/var/lib/criu/images").setCriuWorkPath("/var/lib/criu/work").build(), options);
    }

    /** What containerd's CRI sends as config_body: go-toml v1 (1.7) quotes with ", go-toml v2 (2.x) with '. */
    @Test
    void readsContainerdsOwnTomlOfAnOptionsTable() throws Exception {
        Options expected = Options.newBuilder().setBinaryName("/opt/runc").setIoUid(7).setSystemdCgroup(true).build();
        assertEquals(expected, parse("BinaryName = \"/opt/runc\"\nIoUid = 7\nSystemdCgroup = true\n"));
        assertEquals(expected, parse("BinaryName = '/opt/runc'\nIoUid = 7\nSystemdCgroup = true\n"));
        // runtimeoptions.v1.Options' own keys stay in the table CRI marshals: known, and nothing for runc
        assertEquals(expected, parse("BinaryName = '/opt/runc'\nConfigPath = ''\nIoUid = 7\nSystemdCgroup = true\nTypeUrl = 'x'\n"));
    }

    @Test
    void basicStringsHaveTomlsEscapes() throws Exception {
        assertEquals("/a \"b\"\\c\té", parse("Root = \"/a \\\"b\\\"\\\\c\\t\\u00e9\"").getRoot());
        assertEquals("/a\\b", parse("Root = '/a\\b'").getRoot(), "a literal string has no escapes");
        assertEquals("/x # y", parse("Root = \"/x # y\" # z").getRoot(), "a # inside quotes is no comment");
    }

    /** Lines and what the error says about each. */
    static Stream<Arguments> notUnderstood() {
        return Stream.of(
                Arguments.of("[plugins.cri]", "a table"),
                Arguments.of("[[runtimes]]", "a table"),
                Arguments.of("SystemdCgroups = true", "unknown key SystemdCgroups; runc's options are BinaryName"),
                Arguments.of("binary_name = '/x'", "unknown key binary_name"),
                Arguments.of("Options.BinaryName = '/x'", "a dotted key"),
                Arguments.of("\"BinaryName\" = '/x'", "not a Key = value line"),
                Arguments.of("BinaryName '/x'", "expected = after BinaryName"),
                Arguments.of("BinaryName =", "no value after ="),
                Arguments.of("BinaryName = /usr/bin/runc", "a value this reader does not understand: /usr/bin/runc"),
                Arguments.of("ShimCgroup = true", "ShimCgroup takes a string"),
                Arguments.of("SystemdCgroup = 'true'", "SystemdCgroup takes true or false"),
                Arguments.of("SystemdCgroup = yes", "a value this reader does not understand: yes"),
                Arguments.of("IoUid = '1000'", "IoUid takes a number"),
                Arguments.of("IoUid = -1", "IoUid is out of range"),
                Arguments.of("IoUid = 4294967296", "IoUid is out of range"),
                Arguments.of("IoUid = 99999999999999999999", "a number out of range"),
                Arguments.of("IoUid = 1.5", "a value this reader does not understand: 1.5"),
                Arguments.of("IoUid = 0x10", "a value this reader does not understand: 0x10"),
                Arguments.of("Root = ['/a', '/b']", "an array"),
                Arguments.of("Root = { path = '/a' }", "an inline table"),
                Arguments.of("Root = \"\"\"/a\"\"\"", "a multi-line string"),
                Arguments.of("Root = '/a", "a string without its closing '"),
                Arguments.of("Root = \"/a", "a string without its closing \""),
                Arguments.of("Root = \"/a\\q\"", "an escape TOML does not have: \\q"),
                Arguments.of("Root = \"\\u12\"", "without its 4 hex digits"),
                Arguments.of("Root = '/a' '/b'", "unexpected text after the value of Root"),
                Arguments.of("Root = '/a' true", "unexpected text after the value of Root"),
                Arguments.of("TaskApiAddress = '/x'", "unknown key TaskApiAddress"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notUnderstood")
    void refusesWhatItDoesNotUnderstandNamingTheLine(String line, String why) {
        String toml = "# runc's options\nBinaryName = '/usr/bin/runc'\n" + line + "\n";
        IOException e = assertThrows(IOException.class, () -> RuncOptionsToml.parse(toml.lines().toList(), "/etc/jrunc.toml"));
        assertTrue(e.getMessage().startsWith("/etc/jrunc.toml, line 3: "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertTrue(e.getMessage().endsWith(": " + line.strip()), "the message quotes the line: " + e.getMessage());
    }

    @Test
    void aKeyGivenTwiceIsAnError() {
        IOException e = assertThrows(IOException.class, () -> parse("Root = '/a'\n# the same again\nRoot = '/b'\n"));
        assertEquals("test.toml, line 3: Root is already set on line 1: Root = '/b'", e.getMessage());
    }

    @Test
    void nothingAtAllMeansTheDefaults() throws Exception {
        assertEquals(Options.getDefaultInstance(), parse(""));
        assertEquals(Options.getDefaultInstance(), parse("# only a comment\n\n   \t\n"));
        assertFalse(parse("SystemdCgroup = false").getSystemdCgroup());
    }

    private static Options parse(String toml) throws IOException {
        return RuncOptionsToml.parse(List.of(toml.split("\n", -1)), "test.toml");
    }
}
