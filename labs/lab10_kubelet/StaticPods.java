package lab10_kubelet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lab's pods, as manifests for kubelet's static pod folder. All use the host's network (there is no CNI plugin
 * here, and a kubelet without one starts only such pods), the workbook's busybox image (imported, never pulled:
 * {@code imagePullPolicy: Never}), and a short grace period.
 */
final class StaticPods {
    static final String IMAGE = "localhost/jrunc/busybox:1.0";

    private StaticPods() {
    }

    /**
     * Pod {@code web}: init container {@code setup}, which runs first and exits; container {@code app} with a readiness
     * probe {@code cat /gate/ready}; container {@code helper}. The lab first makes {@code ready} a FIFO in the host
     * folder {@code gate}: the probe's cat then blocks until the lab writes to it, so the probe's process can be seen
     * running before it passes.
     */
    static String web(String namespace, Path gate) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: web",
                "  namespace: " + namespace,
                "spec:",
                "  hostNetwork: true",
                "  terminationGracePeriodSeconds: 5",
                "  initContainers:",
                "  - name: setup",
                "    image: " + IMAGE,
                "    imagePullPolicy: Never",
                "    command: [\"sh\", \"-c\", \"echo setting up\"]",
                "  containers:",
                "  - name: app",
                "    image: " + IMAGE,
                "    imagePullPolicy: Never",
                "    command: [\"sh\", \"-c\", \"echo app up; trap 'exit 0' TERM; sleep 3600 & wait\"]",
                "    readinessProbe:",
                "      exec:",
                "        command: [\"cat\", \"/gate/ready\"]",
                "      periodSeconds: 2",
                "      timeoutSeconds: 60",
                "    volumeMounts:",
                "    - name: gate",
                "      mountPath: /gate",
                "  - name: helper",
                "    image: " + IMAGE,
                "    imagePullPolicy: Never",
                "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 3600 & wait\"]",
                "  volumes:",
                "  - name: gate",
                "    hostPath:",
                "      path: " + gate,
                "      type: Directory",
                "");
    }

    /** The same pod name in another namespace, without the probe: a second pod called web. */
    static String plainWeb(String namespace) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: web",
                "  namespace: " + namespace,
                "spec:",
                "  hostNetwork: true",
                "  terminationGracePeriodSeconds: 5",
                "  containers:",
                "  - name: app",
                "    image: " + IMAGE,
                "    imagePullPolicy: Never",
                "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 3600 & wait\"]",
                "");
    }

    /** Pod {@code crash}: its container exits 3 at once, every time; restartPolicy Always (the default) restarts it. */
    static String crash(String namespace) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: crash",
                "  namespace: " + namespace,
                "spec:",
                "  hostNetwork: true",
                "  terminationGracePeriodSeconds: 5",
                "  containers:",
                "  - name: app",
                "    image: " + IMAGE,
                "    imagePullPolicy: Never",
                "    command: [\"sh\", \"-c\", \"echo crashing; exit 3\"]",
                "");
    }

    /**
     * Writes a manifest the way an editor should: to a hidden file first, then renamed into place, so that kubelet
     * (which rereads the folder every second) never reads half a file. kubelet ignores names starting with a dot.
     */
    static void drop(Path folder, String file, String manifest) throws IOException {
        Path tmp = folder.resolve("." + file + ".tmp");
        Files.writeString(tmp, manifest);
        Files.move(tmp, folder.resolve(file), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
