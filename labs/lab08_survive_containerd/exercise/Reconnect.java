package lab08_survive_containerd.exercise;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import lab08_survive_containerd.Lab08;

/**
 * Lab 08 exercise: what containerd does for each bundle when it starts again. The client:
 * shim/src/main/java/dev/jrunc/shim/ttrpc/TtrpcClient.java; the shim's side of the clean-up:
 * shim/src/main/java/dev/jrunc/shim/cli/DeleteCommand.java; the messages: dev.jrunc.shim.proto.task.
 *
 * <p>Run it: {@code jbang lab08}. Check it: {@code ./verify.sh lab08}.
 */
public final class Reconnect implements Lab08.Exercise {

    @Override
    public Lab08.Outcome recover(Path bundle, Lab08.Containerd containerd, Lab08.Runner runner) throws Exception {
        // The part every restart goes through: the address `start` left in the bundle, a dial, Connect.
        String id = bundle.getFileName().toString();
        String address = Files.readString(bundle.resolve("address")).trim();
        try (TtrpcClient shim = TtrpcClient.connect(address)) {
            ConnectResponse connect = shim.call("containerd.task.v2.Task", "Connect", ConnectRequest.newBuilder().setId(id).build(),
                    ConnectResponse.parser(), Duration.ofSeconds(5));
            return new Lab08.Connected(connect.getShimPid(), connect.getTaskPid());
        }
        // TODO(lab08): and when the shim does not answer (it is gone: nobody listens at that address), containerd
        //   cleans up after it: it runs the shim binary named in the bundle's `shim-binary-path` with its delete
        //   command, the way it runs every shim command (containerd's runtime/v2/shim/util.go and binary.go:
        //   -namespace, -address, -publish-binary, then -id, -bundle and the word `delete`; working folder: the
        //   bundle; TTRPC_ADDRESS in the environment). Whatever the delete prints on stdout is a protobuf
        //   DeleteResponse (dev.jrunc.shim.proto.task): return its pid and exit status as CleanedUp. The lab checks
        //   that the container is then gone, and that the other container, whose shim answers, is not.
    }
}
