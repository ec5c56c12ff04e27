package lab02_detach.exercise;

import java.nio.file.Path;

import lab02_detach.Lab02;

/**
 * Lab 02 stretch exercise: the socket half of {@code start}, for a pod whose containers share one shim. Check it
 * with {@code ./verify.sh lab02 --stretch}.
 */
public final class StartStretch implements Lab02.Stretch {

    @Override
    public String start(Path socket, Lab02.DaemonStarter daemons) throws Exception {
        // TODO(lab02): make sure a daemon serves `socket`, and return the address to print ("unix://" + the path).
        //   Every container of a pod runs its own `start` with the same path, and a shim can die and leave its
        //   socket file behind. So: a shim that answers there must be reused (start nothing: a second bind would
        //   steal its address), a file nobody answers on must be replaced, and only a fresh listener gets a new
        //   daemon (daemons.start(listenerFd) spawns it with your main exercise, done). Listening happens here,
        //   before the address is printed: containerd dials once. dev.jrunc.shim.posix.UnixSocket has what you
        //   need (`man 7 unix`, `man 2 bind`: EADDRINUSE); close your copy of the listener once the daemon has it.
        return "unix://" + socket;
    }
}
