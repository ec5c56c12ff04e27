package dev.jrunc.shim.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import dev.jrunc.shim.posix.Posix;
import dev.jrunc.shim.posix.PosixException;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.runc.Options;
import dev.jrunc.shim.proto.task.CreateTaskRequest;
import dev.jrunc.shim.proto.task.CreateTaskResponse;
import dev.jrunc.shim.proto.task.DeleteRequest;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.proto.task.ExecProcessRequest;
import dev.jrunc.shim.proto.task.KillRequest;
import dev.jrunc.shim.proto.task.StartRequest;
import dev.jrunc.shim.proto.task.StateRequest;
import dev.jrunc.shim.proto.task.StateResponse;
import dev.jrunc.shim.events.Topics;
import dev.jrunc.shim.reaper.Reaper;
import dev.jrunc.shim.runc.FakeRunc;

/**
 * A {@link TaskService} as containerd sees it, with {@link FakeRunc} as runc (named in the runtime options, as
 * BinaryName) and a {@link RecordingPublisher}: what a test of the Task API needs, without root.
 *
 * <p>Bundles have a config.json and no rootfs folder: Create mounts nothing without rootfs mounts, and Delete's
 * unmount finds no folder (ENOENT, answered before any permission check).
 */
final class TaskFixture implements AutoCloseable {
    static final String NAMESPACE = "default";
    /** A container with a PID namespace of its own: nothing to kill when its init exits. */
    static final String OWN_PID_NAMESPACE = "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}";
    /** One that shares the host's: its other processes are killed (runc kill --all) when its init exits. */
    static final String HOST_PID_NAMESPACE = "{\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";

    final Path dir;
    final FakeRunc runc;
    final RecordingPublisher events = new RecordingPublisher();
    final AtomicInteger shutdowns = new AtomicInteger();
    final TaskService service;

    private TaskFixture(Path dir) throws IOException, PosixException {
        this.dir = dir;
        Posix.setChildSubreaper();   // the fake's processes outlive it and become ours, as a container's do
        this.runc = FakeRunc.in(dir.resolve("fake"));
        this.service = new TaskService(NAMESPACE, Reaper.start(), events, shutdowns::incrementAndGet);
    }

    static TaskFixture in(Path dir) throws IOException, PosixException {
        return new TaskFixture(dir);
    }

    Path bundle(String id) {
        return dir.resolve("bundles").resolve(id);
    }

    /** The Create request ctr would send for a container with that config.json, naming the fake as runc. */
    CreateTaskRequest.Builder createRequest(String id, String config) throws IOException {
        Path bundle = Files.createDirectories(bundle(id));
        Files.writeString(bundle.resolve("config.json"), config);
        Options options = Options.newBuilder()
                .setBinaryName(runc.binary().toString())
                .setRoot(runc.root().toString())
                .build();
        return CreateTaskRequest.newBuilder()
                .setId(id)
                .setBundle(bundle.toString())
                .setOptions(Any.newBuilder().setTypeUrl("containerd.runc.v1.Options").setValue(options.toByteString()));
    }

    CreateTaskResponse create(String id) throws Exception {
        return service.create(createRequest(id, OWN_PID_NAMESPACE).build());
    }

    int start(String id, String execId) throws Exception {
        return service.start(StartRequest.newBuilder().setId(id).setExecId(execId).build()).getPid();
    }

    void exec(String id, String execId) throws Exception {
        service.exec(execRequest(id, execId, "{\"args\":[\"sh\"],\"cwd\":\"/\"}").build());
    }

    ExecProcessRequest.Builder execRequest(String id, String execId, String processJson) {
        return ExecProcessRequest.newBuilder().setId(id).setExecId(execId)
                .setSpec(Any.newBuilder().setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/Process")
                        .setValue(ByteString.copyFrom(processJson, StandardCharsets.UTF_8)));
    }

    void kill(String id, String execId, int signal) throws Exception {
        service.kill(KillRequest.newBuilder().setId(id).setExecId(execId).setSignal(signal).build());
    }

    StateResponse state(String id, String execId) throws Exception {
        return service.state(StateRequest.newBuilder().setId(id).setExecId(execId).build());
    }

    DeleteResponse delete(String id, String execId) throws Exception {
        return service.delete(DeleteRequest.newBuilder().setId(id).setExecId(execId).build());
    }

    /** The /tasks/exit of that process (exec id, or the container id for the init), once published. */
    TaskExit exitOf(String id, String processId) throws InterruptedException {
        return events.await(Topics.TASK_EXIT, TaskExit.class,
                exit -> exit.getContainerId().equals(id) && exit.getId().equals(processId));
    }

    /** Stops the fake's processes (their exits still reach the service) and the service's OOM watching. */
    @Override
    public void close() throws Exception {
        try {
            runc.close();
        } finally {
            service.close();
        }
    }
}
