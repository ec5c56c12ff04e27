package lab09_cri.exercise;

import java.util.List;

import dev.jrunc.cri.CriClient;
import dev.jrunc.cri.PodRequests.Pod;
import dev.jrunc.cri.proto.PodSandboxConfig;
import lab09_cri.Lab09;

/**
 * Lab 09 stretch exercise: kubelet restarts a container of a pod whose restartPolicy is Always. Check it with
 * {@code ./verify.sh lab09 --stretch}.
 */
public final class RestartStretch implements Lab09.Stretch {

    @Override
    public String restart(CriClient cri, Pod pod, String podSandboxId, PodSandboxConfig sandboxConfig, String deadId, String name,
                          List<String> command) {
        // TODO(lab09): the container deadId (its name `name`, restart count 0) has exited. Start it again as kubelet
        //   does, and return the id of what now runs. What can containerd do with a container that has exited, and
        //   what do `kubectl logs --previous` and `kubectl get pod`'s RESTARTS column need afterwards?
        return null;
    }
}
