package lab08_survive_containerd.solution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.proto.task.DeleteResponse;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import dev.jrunc.shim.ttrpc.TtrpcException;
import lab08_survive_containerd.Lab08;

/** Lab 08 solution: dial and Connect; when that fails, the shim binary's delete, as containerd's cleanupAfterDeadShim. */
public final class Reconnect implements Lab08.Exercise {

    @Override
    public Lab08.Outcome recover(Path bundle, Lab08.Containerd containerd, Lab08.Runner runner) throws Exception {
        String id = bundle.getFileName().toString();
        String address = Files.readString(bundle.resolve("address")).trim();
        try (TtrpcClient shim = TtrpcClient.connect(address)) {
            // containerd gives a shim 5 s to answer (io.containerd.timeout.shim.load)
            ConnectResponse connect = shim.call("containerd.task.v2.Task", "Connect", ConnectRequest.newBuilder().setId(id).build(),
                    ConnectResponse.parser(), Duration.ofSeconds(5));
            return new Lab08.Connected(connect.getShimPid(), connect.getTaskPid());
        } catch (IOException | TtrpcException noAnswer) {
            return cleanUp(bundle, id, containerd, runner);
        }
    }

    /** The shim is gone: its binary's delete removes what is left and says how the task ended. */
    private static Lab08.Outcome cleanUp(Path bundle, String id, Lab08.Containerd containerd, Lab08.Runner runner) throws Exception {
        String binary = Files.readString(bundle.resolve("shim-binary-path")).trim();
        Lab08.Result r = runner.run(List.of(binary,
                        "-namespace", containerd.namespace(), "-address", containerd.address(), "-publish-binary", "containerd",
                        "-id", id, "-bundle", bundle.toString(), "delete"),
                bundle, Map.of("TTRPC_ADDRESS", containerd.ttrpcAddress()));
        if (r.status() != 0) {
            throw new IOException(binary + " delete failed (exit status " + r.status() + "): " + r.stderr());
        }
        DeleteResponse response = DeleteResponse.parseFrom(r.stdout());
        return new Lab08.CleanedUp(response.getPid(), response.getExitStatus());
    }
}
