package dev.jrunc.shim.runc;

/** runc exited non-zero; the message is runc's own error text (from its JSON log when it wrote one). */
public final class RuncException extends Exception {
    private final int exitStatus;

    public RuncException(String message, int exitStatus) {
        super(message);
        this.exitStatus = exitStatus;
    }

    public int exitStatus() {
        return exitStatus;
    }
}
