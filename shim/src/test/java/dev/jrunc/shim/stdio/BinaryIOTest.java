package dev.jrunc.shim.stdio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** How a binary:// URI's query becomes the logging program's arguments. */
class BinaryIOTest {

    @Test
    void eachKeyIsFollowedByItsValueIfItHasOne() {
        assertEquals(List.of("dir", "/var/log/x", "verbose", "name", "a b"),
                BinaryIO.queryArguments("dir=/var/log/x&verbose&name=a%20b"));
    }

    @Test
    void noQueryNoArguments() {
        assertEquals(List.of(), BinaryIO.queryArguments(null));
        assertEquals(List.of(), BinaryIO.queryArguments(""));
        assertEquals(List.of("k", ""), BinaryIO.queryArguments("k=&"));
    }
}
