package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import dev.jrunc.shim.proto.task.UpdateTaskRequest;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.CtrResult;
import dev.jrunc.testkit.WithPrivateContainerd;

/** Acting on a whole container: kill --all, and new cgroup limits (Update). */
@WithPrivateContainerd
class ContainerControlIT {

    @Test
    void killAllEndsEveryProcess(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "many", "sh", "-c", "sleep 600 & sleep 600 & sleep 600 & wait")
                .assertOk();
        Procs.await("four processes run", () -> processes(containerd, "many").size() == 4);
        List<Long> pids = processes(containerd, "many");

        containerd.ctr("task", "kill", "--all", "-s", "SIGKILL", "many").assertOk();
        Procs.await("many is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "many")));
        for (long pid : pids) {
            assertTrue(!kit.Procs.alive(pid) || "Z".equals(Procs.state(pid)), "pid " + pid + " still runs");
        }
        CtrResult rm = containerd.ctr("task", "rm", "many");
        assertTrue(rm.stderr().contains("exit code 137"), rm::toString);
        containerd.ctr("container", "rm", "many").assertOk();
    }

    /**
     * ctr 1.6 has no update command; CRI's UpdateContainerResources is the real client (tested with CRI). Here
     * the shim's Update is called directly on its socket, as containerd would, and the cgroup files tell.
     */
    @Test
    void updateChangesTheCgroupLimits(Containerd containerd) throws Exception {
        containerd.runBusyboxDetached(Containerd.JRUNC_RUNTIME, "limits", "sleep", "600").assertOk();
        long init = Procs.taskPid(containerd, "limits");
        String resources = "{\"memory\":{\"limit\":33554432},\"cpu\":{\"shares\":512},\"pids\":{\"limit\":64}}";
        try (TtrpcClient client = TtrpcClient.connect(containerd.shimSocket("limits").toString())) {
            client.call("containerd.task.v2.Task", "Update", UpdateTaskRequest.newBuilder().setId("limits")
                            .setResources(Any.newBuilder().setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/LinuxResources")
                                    .setValue(ByteString.copyFrom(resources, StandardCharsets.UTF_8)))
                            .build(),
                    com.google.protobuf.Empty.parser(), Duration.ofSeconds(10));
        }
        assertEquals("33554432", cgroupFile(init, "memory", "memory.limit_in_bytes", "memory.max"));
        assertEquals("64", cgroupFile(init, "pids", "pids.max", "pids.max"));
        String cpu = cgroupFile(init, "cpu", "cpu.shares", "cpu.weight");
        assertTrue(cpu.equals("512") || cpu.equals("20"), "cpu shares 512 (v1) or its weight (v2): " + cpu);

        containerd.ctr("task", "kill", "-s", "SIGKILL", "limits").assertOk();
        Procs.await("limits is STOPPED", () -> "STOPPED".equals(Procs.taskStatus(containerd, "limits")));
        containerd.ctr("task", "rm", "limits");
        containerd.ctr("container", "rm", "limits").assertOk();
    }

    private static List<Long> processes(Containerd containerd, String id) {
        return containerd.ctr("task", "ps", id).stdoutLines().stream().skip(1)
                .map(l -> Long.parseLong(l.trim().split("\\s+")[0])).toList();
    }

    /** A limit file of the process's cgroup: v1 under the controller's hierarchy, v2 in the unified one. */
    private static String cgroupFile(long pid, String controller, String v1File, String v2File) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            String[] parts = line.split(":", 3);
            if (List.of(parts[1].split(",")).contains(controller)) {
                Path dir = Files.exists(Path.of("/sys/fs/cgroup", parts[1])) ? Path.of("/sys/fs/cgroup", parts[1])
                        : Path.of("/sys/fs/cgroup", controller);
                return Files.readString(dir.resolve(parts[2].substring(1)).resolve(v1File)).trim();
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            if (line.startsWith("0::")) {
                return Files.readString(Path.of("/sys/fs/cgroup", line.substring(3), v2File)).trim();
            }
        }
        throw new AssertionError("no " + controller + " cgroup for pid " + pid);
    }
}
