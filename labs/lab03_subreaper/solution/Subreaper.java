package lab03_subreaper.solution;

import dev.jrunc.shim.posix.Posix;
import lab03_subreaper.Lab03;

/** Lab 03 solution: prctl(PR_SET_CHILD_SUBREAPER, 1). */
public final class Subreaper implements Lab03.Exercise {

    @Override
    public void become() throws Exception {
        Posix.setChildSubreaper();
    }
}
