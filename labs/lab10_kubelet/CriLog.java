package lab10_kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CRI calls kubelet made, as containerd's CRI plugin logs them at level info ("RunPodSandbox for …",
 * "CreateContainer within sandbox … for container …", "StartContainer for …", "StopPodSandbox for …"). The calls
 * kubelet makes most often (status, lists, ExecSync for the probes) are logged only at level debug.
 */
final class CriLog {
    /**
     * One call: its name, the sandbox or container id it names, the pod or container name where the line has one,
     * and for a CreateContainer the id containerd gave the new container (from the "returns" line that follows).
     */
    record Call(String method, String id, String name, String created) {
    }

    private static final Pattern MSG = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern RUN_SANDBOX = Pattern.compile("^RunPodSandbox for &PodSandboxMetadata\\{Name:([^,]*),Uid:[^,]*,Namespace:([^,]*),[^}]*\\}$");
    private static final Pattern SANDBOX_RUNS = Pattern.compile("^RunPodSandbox for &PodSandboxMetadata\\{Name:([^,]*),Uid:[^,]*,Namespace:([^,]*),[^}]*\\} returns sandbox id \"([0-9a-f]+)\"");
    private static final Pattern CREATE = Pattern.compile("^CreateContainer within sandbox \"([0-9a-f]+)\" for container &ContainerMetadata\\{Name:([^,]*),Attempt:(\\d+),");
    private static final Pattern CREATED = Pattern.compile("^CreateContainer within sandbox \"([0-9a-f]+)\" for &ContainerMetadata\\{Name:([^,]*),Attempt:(\\d+),\\} returns container id \"([0-9a-f]+)\"");
    private static final Pattern ON_ID = Pattern.compile("^(StartContainer|StopContainer|RemoveContainer|StopPodSandbox|RemovePodSandbox) for \"([0-9a-f]+)\"(?: with timeout \\d+ \\(s\\))?$");

    private final Path log;
    private long offset;

    CriLog(Path log) {
        this.log = log;
    }

    /** From now on: what was logged before is not returned again. */
    void mark() throws IOException {
        offset = Files.size(log);
    }

    /** The calls logged since the last {@link #mark()}, in order. */
    List<Call> sinceMark() throws IOException {
        byte[] all = Files.readAllBytes(log);
        String text = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset), StandardCharsets.UTF_8);
        List<Call> calls = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher msg = MSG.matcher(line);
            if (!line.contains("level=info") || !msg.find()) {
                continue;
            }
            String m = msg.group(1).replace("\\\"", "\"");
            Matcher r;
            if ((r = SANDBOX_RUNS.matcher(m)).find()) {
                fillIn(calls, "RunPodSandbox", "", r.group(2) + "/" + r.group(1), r.group(3));
            } else if ((r = RUN_SANDBOX.matcher(m)).find()) {
                calls.add(new Call("RunPodSandbox", "", r.group(2) + "/" + r.group(1), ""));
            } else if ((r = CREATED.matcher(m)).find()) {
                fillIn(calls, "CreateContainer", r.group(1), r.group(2) + " (attempt " + r.group(3) + ")", r.group(4));
            } else if ((r = CREATE.matcher(m)).find()) {
                calls.add(new Call("CreateContainer", r.group(1), r.group(2) + " (attempt " + r.group(3) + ")", ""));
            } else if ((r = ON_ID.matcher(m)).find()) {
                calls.add(new Call(r.group(1), r.group(2), "", ""));
            }
        }
        return calls;
    }

    /** Puts the id a call returned into the call ("… returns sandbox id" and "… returns container id" lines). */
    private static void fillIn(List<Call> calls, String method, String sandbox, String name, String created) {
        for (int i = calls.size() - 1; i >= 0; i--) {
            Call c = calls.get(i);
            if (c.method().equals(method) && c.id().equals(sandbox) && c.name().equals(name) && c.created().isEmpty()) {
                calls.set(i, new Call(c.method(), c.id(), c.name(), created));
                return;
            }
        }
    }
}
