package dev.jrunc.cri;

import com.google.protobuf.Message;
import dev.jrunc.cri.proto.ContainerStatusRequest;
import dev.jrunc.cri.proto.ContainerStatusResponse;
import dev.jrunc.cri.proto.CreateContainerRequest;
import dev.jrunc.cri.proto.CreateContainerResponse;
import dev.jrunc.cri.proto.CriProto;
import dev.jrunc.cri.proto.ExecSyncRequest;
import dev.jrunc.cri.proto.ExecSyncResponse;
import dev.jrunc.cri.proto.ImageStatusRequest;
import dev.jrunc.cri.proto.ImageStatusResponse;
import dev.jrunc.cri.proto.ListContainersRequest;
import dev.jrunc.cri.proto.ListContainersResponse;
import dev.jrunc.cri.proto.ListImagesRequest;
import dev.jrunc.cri.proto.ListImagesResponse;
import dev.jrunc.cri.proto.ListPodSandboxRequest;
import dev.jrunc.cri.proto.ListPodSandboxResponse;
import dev.jrunc.cri.proto.PodSandboxStatusRequest;
import dev.jrunc.cri.proto.PodSandboxStatusResponse;
import dev.jrunc.cri.proto.RemoveContainerRequest;
import dev.jrunc.cri.proto.RemoveContainerResponse;
import dev.jrunc.cri.proto.RemovePodSandboxRequest;
import dev.jrunc.cri.proto.RemovePodSandboxResponse;
import dev.jrunc.cri.proto.RunPodSandboxRequest;
import dev.jrunc.cri.proto.RunPodSandboxResponse;
import dev.jrunc.cri.proto.StartContainerRequest;
import dev.jrunc.cri.proto.StartContainerResponse;
import dev.jrunc.cri.proto.StatusRequest;
import dev.jrunc.cri.proto.StatusResponse;
import dev.jrunc.cri.proto.StopContainerRequest;
import dev.jrunc.cri.proto.StopContainerResponse;
import dev.jrunc.cri.proto.StopPodSandboxRequest;
import dev.jrunc.cri.proto.StopPodSandboxResponse;
import dev.jrunc.cri.proto.UpdateContainerResourcesRequest;
import dev.jrunc.cri.proto.UpdateContainerResourcesResponse;
import dev.jrunc.cri.proto.VersionRequest;
import dev.jrunc.cri.proto.VersionResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.protobuf.ProtoUtils;
import java.util.List;

/**
 * The CRI calls this client makes, each as a gRPC {@link MethodDescriptor}: a path such as
 * {@code /runtime.v1.RuntimeService/RunPodSandbox} plus a marshaller for the request and one for the response.
 * That is all a unary gRPC call is, so we write them by hand instead of generating stubs (no protoc plugin, no
 * generated classes to read): the names come from the services in {@code runtime/v1/cri.proto}, and
 * {@code CriMethodsTest} checks every descriptor against them.
 */
public final class CriMethods {

    public static final String RUNTIME_SERVICE = "runtime.v1.RuntimeService";
    public static final String IMAGE_SERVICE = "runtime.v1.ImageService";

    public static final MethodDescriptor<VersionRequest, VersionResponse> VERSION =
            runtime("Version", VersionRequest.getDefaultInstance(), VersionResponse.getDefaultInstance());
    public static final MethodDescriptor<StatusRequest, StatusResponse> STATUS =
            runtime("Status", StatusRequest.getDefaultInstance(), StatusResponse.getDefaultInstance());
    public static final MethodDescriptor<RunPodSandboxRequest, RunPodSandboxResponse> RUN_POD_SANDBOX =
            runtime("RunPodSandbox", RunPodSandboxRequest.getDefaultInstance(), RunPodSandboxResponse.getDefaultInstance());
    public static final MethodDescriptor<PodSandboxStatusRequest, PodSandboxStatusResponse> POD_SANDBOX_STATUS =
            runtime("PodSandboxStatus", PodSandboxStatusRequest.getDefaultInstance(),
                    PodSandboxStatusResponse.getDefaultInstance());
    public static final MethodDescriptor<StopPodSandboxRequest, StopPodSandboxResponse> STOP_POD_SANDBOX =
            runtime("StopPodSandbox", StopPodSandboxRequest.getDefaultInstance(), StopPodSandboxResponse.getDefaultInstance());
    public static final MethodDescriptor<RemovePodSandboxRequest, RemovePodSandboxResponse> REMOVE_POD_SANDBOX =
            runtime("RemovePodSandbox", RemovePodSandboxRequest.getDefaultInstance(),
                    RemovePodSandboxResponse.getDefaultInstance());
    public static final MethodDescriptor<ListPodSandboxRequest, ListPodSandboxResponse> LIST_POD_SANDBOX =
            runtime("ListPodSandbox", ListPodSandboxRequest.getDefaultInstance(), ListPodSandboxResponse.getDefaultInstance());
    public static final MethodDescriptor<CreateContainerRequest, CreateContainerResponse> CREATE_CONTAINER =
            runtime("CreateContainer", CreateContainerRequest.getDefaultInstance(),
                    CreateContainerResponse.getDefaultInstance());
    public static final MethodDescriptor<StartContainerRequest, StartContainerResponse> START_CONTAINER =
            runtime("StartContainer", StartContainerRequest.getDefaultInstance(), StartContainerResponse.getDefaultInstance());
    public static final MethodDescriptor<ContainerStatusRequest, ContainerStatusResponse> CONTAINER_STATUS =
            runtime("ContainerStatus", ContainerStatusRequest.getDefaultInstance(),
                    ContainerStatusResponse.getDefaultInstance());
    public static final MethodDescriptor<ExecSyncRequest, ExecSyncResponse> EXEC_SYNC =
            runtime("ExecSync", ExecSyncRequest.getDefaultInstance(), ExecSyncResponse.getDefaultInstance());
    public static final MethodDescriptor<UpdateContainerResourcesRequest, UpdateContainerResourcesResponse>
            UPDATE_CONTAINER_RESOURCES = runtime("UpdateContainerResources",
                    UpdateContainerResourcesRequest.getDefaultInstance(), UpdateContainerResourcesResponse.getDefaultInstance());
    public static final MethodDescriptor<StopContainerRequest, StopContainerResponse> STOP_CONTAINER =
            runtime("StopContainer", StopContainerRequest.getDefaultInstance(), StopContainerResponse.getDefaultInstance());
    public static final MethodDescriptor<RemoveContainerRequest, RemoveContainerResponse> REMOVE_CONTAINER =
            runtime("RemoveContainer", RemoveContainerRequest.getDefaultInstance(), RemoveContainerResponse.getDefaultInstance());
    public static final MethodDescriptor<ListContainersRequest, ListContainersResponse> LIST_CONTAINERS =
            runtime("ListContainers", ListContainersRequest.getDefaultInstance(), ListContainersResponse.getDefaultInstance());

    public static final MethodDescriptor<ImageStatusRequest, ImageStatusResponse> IMAGE_STATUS =
            image("ImageStatus", ImageStatusRequest.getDefaultInstance(), ImageStatusResponse.getDefaultInstance());
    public static final MethodDescriptor<ListImagesRequest, ListImagesResponse> LIST_IMAGES =
            image("ListImages", ListImagesRequest.getDefaultInstance(), ListImagesResponse.getDefaultInstance());

    /** Every descriptor above, for checks against the .proto's services. */
    public static final List<MethodDescriptor<?, ?>> ALL = List.of(VERSION, STATUS, RUN_POD_SANDBOX, POD_SANDBOX_STATUS,
            STOP_POD_SANDBOX, REMOVE_POD_SANDBOX, LIST_POD_SANDBOX, CREATE_CONTAINER, START_CONTAINER, CONTAINER_STATUS,
            EXEC_SYNC, UPDATE_CONTAINER_RESOURCES, STOP_CONTAINER, REMOVE_CONTAINER, LIST_CONTAINERS, IMAGE_STATUS,
            LIST_IMAGES);

    private CriMethods() {
    }

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> runtime(String name, Q request, R response) {
        return unary(RUNTIME_SERVICE, name, request, response);
    }

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> image(String name, Q request, R response) {
        return unary(IMAGE_SERVICE, name, request, response);
    }

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(String service, String name,
            Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }

    /** The proto file's own description of the two services (what the descriptors above must agree with). */
    public static com.google.protobuf.Descriptors.FileDescriptor protoFile() {
        return CriProto.getDescriptor();
    }
}
