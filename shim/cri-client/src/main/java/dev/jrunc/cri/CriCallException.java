package dev.jrunc.cri;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A CRI call that containerd answered with an error (or that never reached it). The message names the call and
 * carries containerd's own text, e.g. {@code ExecSync: UNKNOWN: failed to exec in container: …}, because that text
 * usually says which layer refused: CRI itself, the shim, or runc.
 */
public final class CriCallException extends RuntimeException {

    private final String method;
    private final Status.Code code;

    CriCallException(String method, StatusRuntimeException cause) {
        super(method + ": " + cause.getStatus().getCode()
                + (cause.getStatus().getDescription() == null ? "" : ": " + cause.getStatus().getDescription()), cause);
        this.method = method;
        this.code = cause.getStatus().getCode();
    }

    /** The CRI method, e.g. {@code RunPodSandbox}. */
    public String method() {
        return method;
    }

    /** The gRPC status code containerd answered with (UNAVAILABLE if the socket did not answer). */
    public Status.Code code() {
        return code;
    }
}
