package lab10_kubelet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

import dev.jrunc.kubelet.CgroupRoot;
import dev.jrunc.kubelet.StandaloneKubelet;
import dev.jrunc.shim.posix.Posix;
import kit.Lab;
import kit.Procs;
import kit.Sh;

/**
 * The lab's kubelet as a process: started in a session of its own (a Ctrl-C for the lab must not reach it first),
 * its stderr in {@link StandaloneKubelet#log()}, stopped with SIGTERM by the lab's clean-up. kubelet leaves its pods
 * running when it stops, as on a node; the private containerd's stop removes them.
 */
final class KubeletProcess {
    private final int pid;

    private KubeletProcess(int pid) {
        this.pid = pid;
    }

    int pid() {
        return pid;
    }

    /**
     * Registers the removal of kubelet's cgroup root: call it before the containerd starts, so that the clean-up
     * (last registered, first run) removes the cgroups after containerd's stop has removed every container in them.
     */
    static void removeCgroupsLast(Lab lab, String cgroupRoot) {
        lab.cleanup("removed kubelet's cgroups (" + cgroupRoot + " in every hierarchy)", () -> {
            List<Path> left = CgroupRoot.remove(cgroupRoot);
            if (!left.isEmpty()) {
                throw new IOException("still there (busy): " + left);
            }
        });
    }

    /** Its cgroup root first (kubelet insists on it), then kubelet, which the clean-up stops. */
    static KubeletProcess start(Lab lab, StandaloneKubelet kubelet, Path binary) throws Exception {
        stopLeftover(kubelet);
        for (int port : List.of(kubelet.port(), kubelet.healthzPort())) {
            requireFree(port);
        }
        CgroupRoot.create(kubelet.cgroupRoot());
        kubelet.writeFiles();
        int pid = Sh.background(kubelet.command(binary), kubelet.log(), true);
        KubeletProcess process = new KubeletProcess(pid);
        lab.cleanup("stopped kubelet (its pods keep running until containerd's stop)", process::stop);
        return process;
    }

    /**
     * A kubelet an earlier, killed run of this lab left running: nothing else stops it (its containerd's stop does
     * not know it). It is ours for sure: it was started on this lab's own config file.
     */
    private static void stopLeftover(StandaloneKubelet kubelet) throws Exception {
        for (int pid : Procs.withArguments("--config=" + kubelet.configFile())) {
            System.out.println("(stopping kubelet " + pid + ", left running by an earlier run)");
            Posix.kill(pid, Posix.SIGTERM);
            if (!Procs.await(30_000, () -> !Procs.alive(pid))) {
                Posix.kill(pid, Posix.SIGKILL);
            }
        }
    }

    /** kubelet binds 127.0.0.1:port; one already bound there (another kubelet?) would answer in its stead. */
    private static void requireFree(int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            // free: closed again at once, for kubelet to bind
        } catch (IOException e) {
            throw new Lab.CannotRun("127.0.0.1:" + port + " is in use (another kubelet, or an earlier run of this lab?): " + e.getMessage());
        }
    }

    private void stop() throws Exception {
        if (Procs.alive(pid)) {
            Posix.kill(pid, Posix.SIGTERM);
            if (!Procs.await(30_000, () -> !Procs.alive(pid))) {
                Posix.kill(pid, Posix.SIGKILL);
                Procs.await(10_000, () -> !Procs.alive(pid));
            }
        }
    }
}
