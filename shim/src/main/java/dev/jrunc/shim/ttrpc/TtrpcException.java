package dev.jrunc.shim.ttrpc;

import dev.jrunc.shim.ttrpc.proto.Status;

/** An error with a gRPC status code, as a ttrpc server returns it and a client receives it. */
public class TtrpcException extends Exception {

    private static final long serialVersionUID = 1L;

    private final Code code;

    public TtrpcException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    public static TtrpcException notFound(String message) {
        return new TtrpcException(Code.NOT_FOUND, message);
    }

    public static TtrpcException alreadyExists(String message) {
        return new TtrpcException(Code.ALREADY_EXISTS, message);
    }

    public static TtrpcException failedPrecondition(String message) {
        return new TtrpcException(Code.FAILED_PRECONDITION, message);
    }

    public static TtrpcException invalidArgument(String message) {
        return new TtrpcException(Code.INVALID_ARGUMENT, message);
    }

    public static TtrpcException unimplemented(String message) {
        return new TtrpcException(Code.UNIMPLEMENTED, message);
    }

    public static TtrpcException unknown(String message) {
        return new TtrpcException(Code.UNKNOWN, message);
    }

    /** The {@code google.rpc.Status} that carries this error inside a ttrpc Response. */
    public Status toStatus() {
        return Status.newBuilder()
                .setCode(code.value())
                .setMessage(getMessage() == null ? "" : getMessage())
                .build();
    }

    /** The error a client raises for a non-OK status it received. */
    public static TtrpcException fromStatus(Status status) {
        return new TtrpcException(Code.of(status.getCode()), status.getMessage());
    }

    @Override
    public String toString() {
        return "ttrpc: " + code + ": " + getMessage();
    }
}
