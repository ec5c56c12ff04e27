package dev.jrunc.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jrunc.cri.proto.CriProto;
import dev.jrunc.cri.proto.ImageServiceGrpc;
import dev.jrunc.cri.proto.RuntimeServiceGrpc;
import org.junit.jupiter.api.Test;

/**
 * containerd routes a CRI call by its gRPC path, which protoc builds from the .proto's package and service names:
 * ours must be kubelet's ({@code runtime.v1}), or containerd answers "unknown service" whatever the messages hold.
 */
class CriProtoTest {

    @Test
    void thePackageIsUpstreamsSoThePathsAreKubeletsPaths() {
        assertEquals("runtime.v1", CriProto.getDescriptor().getPackage());
        assertEquals("runtime.v1.RuntimeService/RunPodSandbox", RuntimeServiceGrpc.getRunPodSandboxMethod().getFullMethodName());
        assertEquals("runtime.v1.ImageService/ImageStatus", ImageServiceGrpc.getImageStatusMethod().getFullMethodName());
    }
}
