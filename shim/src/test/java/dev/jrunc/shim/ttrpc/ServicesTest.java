package dev.jrunc.shim.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.StringValue;
import org.junit.jupiter.api.Test;

class ServicesTest {

    private final Services services = new Services()
            .register("test.Echo", "Upper", StringValue.parser(),
                    request -> StringValue.of(request.getValue().toUpperCase()))
            .register("test.Echo", "Nothing", Empty.parser(), request -> Empty.getDefaultInstance())
            .register("test.Echo", "Missing", Empty.parser(), request -> {
                throw TtrpcException.notFound("no such thing");
            })
            .register("test.Echo", "Null", Empty.parser(), request -> null);

    @Test
    void invokesTheHandlerWithTheParsedRequest() throws Exception {
        ByteString answer = services.invoke("test.Echo", "Upper", StringValue.of("hi").toByteString());

        assertEquals("HI", StringValue.parseFrom(answer).getValue());
    }

    @Test
    void anEmptyMessageIsAnEmptyPayload() throws Exception {
        assertEquals(ByteString.EMPTY, services.invoke("test.Echo", "Nothing", ByteString.EMPTY));
    }

    @Test
    void unknownServiceAndMethodAreUnimplementedWithGoTexts() {
        TtrpcException noService = assertThrows(TtrpcException.class,
                () -> services.invoke("containerd.task.v3.Task", "Upper", ByteString.EMPTY));
        assertEquals(Code.UNIMPLEMENTED, noService.code());
        assertEquals("service containerd.task.v3.Task", noService.getMessage());

        TtrpcException noMethod = assertThrows(TtrpcException.class,
                () -> services.invoke("test.Echo", "Bogus", ByteString.EMPTY));
        assertEquals(Code.UNIMPLEMENTED, noMethod.code());
        assertEquals("method Bogus", noMethod.getMessage());
    }

    @Test
    void anAliasServesTheSameMethodsUnderAnotherNameEvenThoseRegisteredLater() throws Exception {
        Services table = new Services().register("test.v2.Echo", "Upper", StringValue.parser(),
                request -> StringValue.of(request.getValue().toUpperCase()));
        table.alias("test.v3.Echo", "test.v2.Echo");
        table.register("test.v2.Echo", "Nothing", Empty.parser(), request -> Empty.getDefaultInstance());

        assertEquals("HI", StringValue.parseFrom(table.invoke("test.v3.Echo", "Upper", StringValue.of("hi").toByteString())).getValue());
        assertEquals(ByteString.EMPTY, table.invoke("test.v3.Echo", "Nothing", ByteString.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> table.alias("x.v3", "x.v2"));
    }

    @Test
    void anUnparsablePayloadIsAnInvalidArgument() {
        ByteString garbage = ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});

        TtrpcException e = assertThrows(TtrpcException.class, () -> services.invoke("test.Echo", "Upper", garbage));

        assertEquals(Code.INVALID_ARGUMENT, e.code());
        assertTrue(!e.getMessage().isEmpty());
    }

    @Test
    void handlerErrorsPassThrough() {
        TtrpcException e = assertThrows(TtrpcException.class,
                () -> services.invoke("test.Echo", "Missing", ByteString.EMPTY));
        assertEquals(Code.NOT_FOUND, e.code());
        assertEquals("no such thing", e.getMessage());

        assertThrows(IllegalStateException.class, () -> services.invoke("test.Echo", "Null", ByteString.EMPTY));
    }

    @Test
    void registeringAgainReplacesAndChains() throws Exception {
        Services table = new Services();
        assertSame(table, table.register("s", "m", Empty.parser(), request -> StringValue.of("first")));
        table.register("s", "m", Empty.parser(), request -> StringValue.of("second"));

        assertEquals("second", StringValue.parseFrom(table.invoke("s", "m", ByteString.EMPTY)).getValue());
    }
}
