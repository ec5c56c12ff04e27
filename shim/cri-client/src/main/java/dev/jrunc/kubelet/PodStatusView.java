package dev.jrunc.kubelet;

import com.google.gson.Gson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What kubelet says about one pod in {@code /pods}: the fields {@code kubectl get pods} and {@code kubectl describe
 * pod} show, taken from the pod's {@code status}.
 *
 * @param ready the pod's Ready condition ("True", "False", or "" when kubelet has not set it yet)
 */
public record PodStatusView(String namespace, String name, String uid, String phase, String ready,
        List<ContainerView> initContainers, List<ContainerView> containers) {

    /**
     * One container's status.
     *
     * @param state      "running", "waiting" or "terminated" (or "" before the first report)
     * @param reason     the reason of that state (CrashLoopBackOff, Completed, Error, …), "" if none
     * @param exitCode   the exit code when terminated, else null
     * @param lastState  the state before the last restart: "terminated" or ""
     * @param lastReason its reason ("Error" for a non-zero exit)
     * @param lastExitCode its exit code, or null
     * @param containerId CRI's container id of the current container ("containerd://" taken off), "" if none
     */
    public record ContainerView(String name, boolean ready, long restartCount, String state, String reason, Long exitCode,
            String lastState, String lastReason, Long lastExitCode, String containerId) {
    }

    /** "namespace/name", as kubectl names a pod. */
    public String fullName() {
        return namespace + "/" + name;
    }

    public ContainerView container(String containerName) {
        for (ContainerView c : containers) {
            if (c.name().equals(containerName)) {
                return c;
            }
        }
        return null;
    }

    /** The pods of a PodList ({@code {"kind":"PodList","items":[…]}}), kubelet's answer to {@code GET /pods}. */
    public static List<PodStatusView> fromPodList(String json) {
        // Plain maps, lists, numbers and strings: only a few fields are read, by their path.
        Object podList = new Gson().fromJson(json, Object.class);
        List<PodStatusView> pods = new ArrayList<>();
        if (path(podList, "items") instanceof List<?> items) {
            for (Object pod : items) {
                pods.add(of(pod));
            }
        }
        return pods;
    }

    static PodStatusView of(Object pod) {
        String ready = "";
        if (path(pod, "status", "conditions") instanceof List<?> conditions) {
            for (Object c : conditions) {
                if ("Ready".equals(path(c, "type"))) {
                    ready = text(path(c, "status"));
                }
            }
        }
        return new PodStatusView(text(path(pod, "metadata", "namespace")), text(path(pod, "metadata", "name")),
                text(path(pod, "metadata", "uid")), text(path(pod, "status", "phase")), ready,
                containers(path(pod, "status", "initContainerStatuses")), containers(path(pod, "status", "containerStatuses")));
    }

    private static List<ContainerView> containers(Object statuses) {
        List<ContainerView> list = new ArrayList<>();
        if (statuses instanceof List<?> all) {
            for (Object s : all) {
                String[] state = stateOf(path(s, "state"));
                String[] last = stateOf(path(s, "lastState"));
                list.add(new ContainerView(text(path(s, "name")), Boolean.TRUE.equals(path(s, "ready")),
                        number(path(s, "restartCount")), state[0], state[1], exitCode(path(s, "state")),
                        last[0], last[1], exitCode(path(s, "lastState")),
                        text(path(s, "containerID")).replaceFirst("^[a-z]+://", "")));
            }
        }
        return list;
    }

    /** {"running": {…}} → ["running", ""]; {"waiting": {"reason": "CrashLoopBackOff"}} → ["waiting", "CrashLoopBackOff"]. */
    private static String[] stateOf(Object state) {
        if (state instanceof Map<?, ?> map) {
            for (String kind : List.of("running", "waiting", "terminated")) {
                if (map.containsKey(kind)) {
                    return new String[] {kind, text(path(map.get(kind), "reason"))};
                }
            }
        }
        return new String[] {"", ""};
    }

    /** The value at {@code keys} below {@code root} in parsed JSON, or null where a key is missing. */
    private static Object path(Object root, String... keys) {
        Object at = root;
        for (String key : keys) {
            if (!(at instanceof Map<?, ?> map)) {
                return null;
            }
            at = map.get(key);
        }
        return at;
    }

    private static Long exitCode(Object state) {
        Object code = path(state, "terminated", "exitCode");
        return code instanceof Number n ? n.longValue() : null;
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }
}
