package dev.jrunc.shim.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jrunc.shim.ttrpc.proto.Status;
import org.junit.jupiter.api.Test;

class CodeTest {

    @Test
    void valuesAreTheGrpcNumbers() {
        assertEquals(0, Code.OK.value());
        assertEquals(5, Code.NOT_FOUND.value());
        assertEquals(8, Code.RESOURCE_EXHAUSTED.value());
        assertEquals(12, Code.UNIMPLEMENTED.value());
        assertEquals(16, Code.UNAUTHENTICATED.value());
        for (Code code : Code.values()) {
            assertEquals(code, Code.of(code.value()));
        }
    }

    @Test
    void unknownNumbersReadAsUnknown() {
        assertEquals(Code.UNKNOWN, Code.of(17));
        assertEquals(Code.UNKNOWN, Code.of(-1));
        assertEquals(Code.UNKNOWN, Code.of(Integer.MAX_VALUE));
    }

    @Test
    void factoriesPickTheirCodes() {
        assertEquals(Code.NOT_FOUND, TtrpcException.notFound("x").code());
        assertEquals(Code.ALREADY_EXISTS, TtrpcException.alreadyExists("x").code());
        assertEquals(Code.FAILED_PRECONDITION, TtrpcException.failedPrecondition("x").code());
        assertEquals(Code.INVALID_ARGUMENT, TtrpcException.invalidArgument("x").code());
        assertEquals(Code.UNIMPLEMENTED, TtrpcException.unimplemented("x").code());
        assertEquals(Code.UNKNOWN, TtrpcException.unknown("x").code());
    }

    @Test
    void exceptionsTravelAsStatus() {
        Status status = TtrpcException.alreadyExists("id taken").toStatus();
        assertEquals(6, status.getCode());
        assertEquals("id taken", status.getMessage());

        TtrpcException back = TtrpcException.fromStatus(status);
        assertEquals(Code.ALREADY_EXISTS, back.code());
        assertEquals("id taken", back.getMessage());
        assertEquals("ttrpc: ALREADY_EXISTS: id taken", back.toString());
    }
}
