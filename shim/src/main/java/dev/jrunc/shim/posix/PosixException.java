package dev.jrunc.shim.posix;

import java.io.IOException;

/** A failed system call: which call, on what, and the errno it gave. */
public final class PosixException extends IOException {
    private final int errno;

    public PosixException(String call, String subject, int errno) {
        super(call + (subject == null ? "" : " " + subject) + ": " + Posix.strerror(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
