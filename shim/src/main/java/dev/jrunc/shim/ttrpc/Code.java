package dev.jrunc.shim.ttrpc;

/**
 * The gRPC status codes. ttrpc borrows them unchanged, and containerd turns them back into its own
 * error kinds (NOT_FOUND becomes "not found", UNIMPLEMENTED becomes "not implemented", and so on),
 * so the code a handler picks decides how containerd reacts.
 */
public enum Code {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    FAILED_PRECONDITION(9),
    ABORTED(10),
    OUT_OF_RANGE(11),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private static final Code[] BY_VALUE = values();

    private final int value;

    Code(int value) {
        this.value = value;
    }

    /** The number that travels on the wire in {@code google.rpc.Status.code}. */
    public int value() {
        return value;
    }

    /** The code for a wire value; a value this enum does not know (a newer peer?) reads as UNKNOWN, as in gRPC. */
    public static Code of(int value) {
        // The constants are declared in value order, so the value doubles as the index.
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
    }
}
