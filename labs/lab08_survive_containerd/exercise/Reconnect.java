package lab08_survive_containerd.exercise;

import java.nio.file.Path;

import dev.jrunc.shim.proto.task.ConnectResponse;
import lab08_survive_containerd.Lab08;

/**
 * Lab 08 exercise: what containerd does for each container when it starts again: find the shim from the bundle and
 * ask it. The client: shim/src/main/java/dev/jrunc/shim/ttrpc/TtrpcClient.java; the messages: dev.jrunc.shim.proto.task.
 *
 * <p>Run it: {@code jbang lab08}. Check it: {@code ./verify.sh lab08}.
 */
public final class Reconnect implements Lab08.Exercise {

    @Override
    public ConnectResponse reconnect(Path bundle, String id) throws Exception {
        // TODO(lab08): 1. read the shim's address from the file `address` in the bundle (unix:///run/containerd/s/…);
        //   2. connect a TtrpcClient to it (it understands the unix:// prefix);
        //   3. call service "containerd.task.v2.Task", method "Connect" with a ConnectRequest for `id`
        //      (ConnectResponse.parser(), a timeout of a few seconds), return the answer, close the client.
        return ConnectResponse.getDefaultInstance();
    }
}
