package dev.jrunc.shim.posix;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** A pseudo-terminal master, seen from the shim. */
public final class Terminal {
    private static final long TIOCSWINSZ = 0x5414;

    private Terminal() {
    }

    /** Tells the terminal its new size; the kernel sends SIGWINCH to the container's foreground process. */
    public static void resize(int master, int width, int height) throws PosixException {
        Pointer winsize = Memory.allocateDirect(Posix.runtime(), 8);   // struct winsize { rows, cols, xpixel, ypixel }
        winsize.putShort(0, (short) height);
        winsize.putShort(2, (short) width);
        winsize.putShort(4, (short) 0);
        winsize.putShort(6, (short) 0);
        Posix.check(Posix.libc().ioctl(master, TIOCSWINSZ, winsize), "ioctl", "TIOCSWINSZ");
        java.lang.ref.Reference.reachabilityFence(winsize);   // not read afterwards: keep it alive through ioctl
    }
}
