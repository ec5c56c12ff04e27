package dev.jrunc.kubelet;

/**
 * The static pods the differential test gives kubelet: what a node does to a shim every day. All use the host's
 * network (no CNI here), the workbook's busybox image (imported, never pulled) and a short grace period.
 */
final class KubeletPods {
    static final String IMAGE = "localhost/jrunc/busybox:1.0";

    private KubeletPods() {
    }

    /** Pod {@code probes}: exec readiness and liveness probes; Ready once the container has made its file. */
    static final String PROBES = String.join("\n",
            "apiVersion: v1",
            "kind: Pod",
            "metadata:",
            "  name: probes",
            "  namespace: default",
            "spec:",
            "  hostNetwork: true",
            "  terminationGracePeriodSeconds: 5",
            "  containers:",
            "  - name: app",
            "    image: " + IMAGE,
            "    imagePullPolicy: Never",
            "    command: [\"sh\", \"-c\", \"echo started; echo ready > /tmp/ready; trap 'echo stopping; exit 0' TERM; sleep 3600 & wait\"]",
            "    readinessProbe:",
            "      exec:",
            "        command: [\"cat\", \"/tmp/ready\"]",
            "      periodSeconds: 1",
            "    livenessProbe:",
            "      exec:",
            "        command: [\"true\"]",
            "      periodSeconds: 2",
            "");

    /** Pod {@code crash}: exits 3 at once, every time; kubelet restarts it with a growing back-off. */
    static final String CRASH = String.join("\n",
            "apiVersion: v1",
            "kind: Pod",
            "metadata:",
            "  name: crash",
            "  namespace: default",
            "spec:",
            "  hostNetwork: true",
            "  terminationGracePeriodSeconds: 5",
            "  containers:",
            "  - name: app",
            "    image: " + IMAGE,
            "    imagePullPolicy: Never",
            "    command: [\"sh\", \"-c\", \"echo crashing; exit 3\"]",
            "");

    /** Pod {@code shared}: an init container writes into an emptyDir, two containers read it: one shim for all. */
    static final String SHARED = String.join("\n",
            "apiVersion: v1",
            "kind: Pod",
            "metadata:",
            "  name: shared",
            "  namespace: other",
            "spec:",
            "  hostNetwork: true",
            "  terminationGracePeriodSeconds: 5",
            "  initContainers:",
            "  - name: init",
            "    image: " + IMAGE,
            "    imagePullPolicy: Never",
            "    command: [\"sh\", \"-c\", \"echo from-init > /data/message\"]",
            "    volumeMounts:",
            "    - name: data",
            "      mountPath: /data",
            "  containers:",
            "  - name: first",
            "    image: " + IMAGE,
            "    imagePullPolicy: Never",
            "    command: [\"sh\", \"-c\", \"cat /data/message; trap 'exit 0' TERM; sleep 3600 & wait\"]",
            "    volumeMounts:",
            "    - name: data",
            "      mountPath: /data",
            "  - name: second",
            "    image: " + IMAGE,
            "    imagePullPolicy: Never",
            "    command: [\"sh\", \"-c\", \"cat /data/message; trap 'exit 0' TERM; sleep 3600 & wait\"]",
            "    volumeMounts:",
            "    - name: data",
            "      mountPath: /data",
            "  volumes:",
            "  - name: data",
            "    emptyDir: {}",
            "");
}
