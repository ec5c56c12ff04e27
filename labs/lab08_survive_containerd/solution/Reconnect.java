package lab08_survive_containerd.solution;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.jrunc.shim.proto.task.ConnectRequest;
import dev.jrunc.shim.proto.task.ConnectResponse;
import dev.jrunc.shim.ttrpc.TtrpcClient;
import lab08_survive_containerd.Lab08;

/** Lab 08 solution: the bundle's address file, a ttrpc connection, one Connect call. */
public final class Reconnect implements Lab08.Exercise {

    @Override
    public ConnectResponse reconnect(Path bundle, String id) throws Exception {
        String address = Files.readString(bundle.resolve("address")).trim();
        try (TtrpcClient shim = TtrpcClient.connect(address)) {
            return shim.call("containerd.task.v2.Task", "Connect", ConnectRequest.newBuilder().setId(id).build(),
                    ConnectResponse.parser(), Duration.ofSeconds(5));
        }
    }
}
