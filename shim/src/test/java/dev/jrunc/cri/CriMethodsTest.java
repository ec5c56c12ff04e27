package dev.jrunc.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The hand-written gRPC method descriptors must name exactly the rpcs of cri.proto, with the same messages. */
class CriMethodsTest {

    @Test
    void everyDescriptorMatchesAnRpcOfTheProto() {
        for (io.grpc.MethodDescriptor<?, ?> m : CriMethods.ALL) {
            ServiceDescriptor service = CriMethods.protoFile().findServiceByName(simpleName(m.getServiceName()));
            assertNotNull(service, "no service for " + m.getFullMethodName());
            assertEquals("runtime.v1." + service.getName(), m.getServiceName());
            MethodDescriptor rpc = service.findMethodByName(m.getBareMethodName());
            assertNotNull(rpc, "no rpc " + m.getFullMethodName() + " in cri.proto");
            assertEquals(rpc.getInputType().getFullName(), messageName(m.getRequestMarshaller()), m.getFullMethodName());
            assertEquals(rpc.getOutputType().getFullName(), messageName(m.getResponseMarshaller()), m.getFullMethodName());
            assertEquals(io.grpc.MethodDescriptor.MethodType.UNARY, m.getType());
        }
    }

    @Test
    void everyRpcOfTheProtoHasADescriptor() {
        Set<String> declared = new TreeSet<>();
        for (ServiceDescriptor s : CriMethods.protoFile().getServices()) {
            s.getMethods().forEach(rpc -> declared.add(s.getFullName() + "/" + rpc.getName()));
        }
        Set<String> described = new TreeSet<>();
        CriMethods.ALL.forEach(m -> described.add(m.getFullMethodName()));
        assertEquals(declared, described);
    }

    @Test
    void thePackageIsUpstreamsSoThePathsAreKubeletsPaths() {
        assertEquals("runtime.v1", CriMethods.protoFile().getPackage());
        assertEquals("runtime.v1.RuntimeService/RunPodSandbox", CriMethods.RUN_POD_SANDBOX.getFullMethodName());
        assertEquals("runtime.v1.ImageService/ImageStatus", CriMethods.IMAGE_STATUS.getFullMethodName());
    }

    private static String simpleName(String serviceName) {
        return serviceName.substring(serviceName.lastIndexOf('.') + 1);
    }

    private static String messageName(io.grpc.MethodDescriptor.Marshaller<?> marshaller) {
        Object prototype = ((PrototypeMarshaller<?>) marshaller).getMessagePrototype();
        return ((com.google.protobuf.Message) prototype).getDescriptorForType().getFullName();
    }
}
