package lab02_detach.solution;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.posix.UnixSocket;
import lab02_detach.Lab02;

/**
 * Lab 02 stretch solution: bind; if the path is taken, a shim that answers is reused and a dead one's file is
 * removed and bound again (once: a second EADDRINUSE means another `start` won the race, and it is reported).
 */
public final class StartStretch implements Lab02.Stretch {

    @Override
    public String start(Path socket, Lab02.DaemonStarter daemons) throws Exception {
        String address = "unix://" + socket;
        for (int attempt = 0; ; attempt++) {
            int listener;
            try {
                listener = UnixSocket.listen(socket.toString(), 128);
            } catch (PosixException e) {
                if (e.errno() != Posix.EADDRINUSE || attempt > 0) {
                    throw e;
                }
                if (UnixSocket.answers(socket.toString())) {
                    return address;                // the pod's shim runs: reuse it
                }
                Files.deleteIfExists(socket);      // its shim died: the file is all that is left
                continue;
            }
            try {
                daemons.start(listener);
            } finally {
                Posix.close(listener);             // the daemon has its own copy, as fd 3
            }
            return address;
        }
    }
}
