package dev.jrunc.cri;

import dev.jrunc.cri.proto.ContainerStatusRequest;
import dev.jrunc.cri.proto.ContainerStatusResponse;
import dev.jrunc.cri.proto.CreateContainerRequest;
import dev.jrunc.cri.proto.CreateContainerResponse;
import dev.jrunc.cri.proto.ExecSyncRequest;
import dev.jrunc.cri.proto.ExecSyncResponse;
import dev.jrunc.cri.proto.ImageServiceGrpc;
import dev.jrunc.cri.proto.ImageServiceGrpc.ImageServiceBlockingStub;
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
import dev.jrunc.cri.proto.RuntimeServiceGrpc;
import dev.jrunc.cri.proto.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
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
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A CRI client: kubelet's side of the Container Runtime Interface, over containerd's unix socket (the same socket
 * {@code ctr} uses; containerd's CRI plugin serves {@code runtime.v1} there).
 *
 * <p>One method per call, taking and returning the CRI messages unchanged, so a reader sees exactly what kubelet
 * would send. Each call waits at most the call timeout (default {@link #DEFAULT_CALL_TIMEOUT}); ExecSync waits its
 * own timeout plus that. Errors come back as {@link CriCallException} with containerd's text.
 *
 * <pre>{@code
 * try (CriClient cri = CriClient.connect(Path.of("/run/containerd/containerd.sock"))) {
 *     System.out.println(cri.version().getRuntimeVersion());
 * }
 * }</pre>
 *
 * <p>The calls go through the stubs grpc-java's protoc plugin generates from {@code runtime/v1/cri.proto}
 * ({@code RuntimeServiceGrpc}, {@code ImageServiceGrpc}).
 */
public final class CriClient implements AutoCloseable {

    /** CRI RunPodSandbox can take a while (image unpack, a cold shim); kubelet's own default is 2 minutes. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(2);

    // grpc-netty warns once per channel that a unix socket has no SO_KEEPALIVE; it is harmless. A strong
    // reference, because java.util.logging forgets a logger's level when the logger is garbage-collected.
    @SuppressWarnings("unused")
    private static final Logger NETTY_BOOTSTRAP_LOGGER = quietNettyBootstrap();

    private final ManagedChannel channel;
    private final Path socket;
    private final Duration callTimeout;

    private CriClient(ManagedChannel channel, Path socket, Duration callTimeout) {
        this.channel = channel;
        this.socket = socket;
        this.callTimeout = callTimeout;
    }

    /** A client for the CRI server on unix socket {@code socket}. Nothing is dialled until the first call. */
    public static CriClient connect(Path socket) {
        return connect(socket, DEFAULT_CALL_TIMEOUT);
    }

    public static CriClient connect(Path socket, Duration callTimeout) {
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(),
                InsecureChannelCredentials.create()).build();
        return new CriClient(channel, socket, callTimeout);
    }

    public Path socket() {
        return socket;
    }

    // ---- RuntimeService ----------------------------------------------------------------------------------------

    public VersionResponse version() {
        VersionRequest request = VersionRequest.newBuilder().setVersion("v1").build();
        return call("Version", () -> runtime(callTimeout).version(request));
    }

    public StatusResponse status(StatusRequest request) {
        return call("Status", () -> runtime(callTimeout).status(request));
    }

    public RunPodSandboxResponse runPodSandbox(RunPodSandboxRequest request) {
        return call("RunPodSandbox", () -> runtime(callTimeout).runPodSandbox(request));
    }

    public PodSandboxStatusResponse podSandboxStatus(PodSandboxStatusRequest request) {
        return call("PodSandboxStatus", () -> runtime(callTimeout).podSandboxStatus(request));
    }

    public StopPodSandboxResponse stopPodSandbox(StopPodSandboxRequest request) {
        return call("StopPodSandbox", () -> runtime(callTimeout).stopPodSandbox(request));
    }

    public RemovePodSandboxResponse removePodSandbox(RemovePodSandboxRequest request) {
        return call("RemovePodSandbox", () -> runtime(callTimeout).removePodSandbox(request));
    }

    public ListPodSandboxResponse listPodSandbox(ListPodSandboxRequest request) {
        return call("ListPodSandbox", () -> runtime(callTimeout).listPodSandbox(request));
    }

    public CreateContainerResponse createContainer(CreateContainerRequest request) {
        return call("CreateContainer", () -> runtime(callTimeout).createContainer(request));
    }

    public StartContainerResponse startContainer(StartContainerRequest request) {
        return call("StartContainer", () -> runtime(callTimeout).startContainer(request));
    }

    public ContainerStatusResponse containerStatus(ContainerStatusRequest request) {
        return call("ContainerStatus", () -> runtime(callTimeout).containerStatus(request));
    }

    /** Waits for the command: up to its own {@code timeout} seconds (none if 0), plus the call timeout. */
    public ExecSyncResponse execSync(ExecSyncRequest request) {
        Duration timeout = callTimeout.plusSeconds(Math.max(0, request.getTimeout()));
        return call("ExecSync", () -> runtime(timeout).execSync(request));
    }

    public UpdateContainerResourcesResponse updateContainerResources(UpdateContainerResourcesRequest request) {
        return call("UpdateContainerResources", () -> runtime(callTimeout).updateContainerResources(request));
    }

    /** Waits for the container to stop: up to its {@code timeout} seconds of grace, plus the call timeout. */
    public StopContainerResponse stopContainer(StopContainerRequest request) {
        Duration timeout = callTimeout.plusSeconds(Math.max(0, request.getTimeout()));
        return call("StopContainer", () -> runtime(timeout).stopContainer(request));
    }

    public RemoveContainerResponse removeContainer(RemoveContainerRequest request) {
        return call("RemoveContainer", () -> runtime(callTimeout).removeContainer(request));
    }

    public ListContainersResponse listContainers(ListContainersRequest request) {
        return call("ListContainers", () -> runtime(callTimeout).listContainers(request));
    }

    // ---- ImageService --------------------------------------------------------------------------------------------

    public ImageStatusResponse imageStatus(ImageStatusRequest request) {
        return call("ImageStatus", () -> image(callTimeout).imageStatus(request));
    }

    public ListImagesResponse listImages(ListImagesRequest request) {
        return call("ListImages", () -> image(callTimeout).listImages(request));
    }

    // ---- the one way a call is made --------------------------------------------------------------------------------

    private RuntimeServiceBlockingStub runtime(Duration timeout) {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ImageServiceBlockingStub image(Duration timeout) {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One call through a stub; containerd's refusal comes back as a {@link CriCallException} naming the rpc. */
    private static <R> R call(String rpc, Supplier<R> stubCall) {
        try {
            return stubCall.get();
        } catch (StatusRuntimeException e) {
            throw new CriCallException(rpc, e);
        }
    }

    /** Closes the channel and waits briefly for it, so that no gRPC thread outlives the client. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Logger quietNettyBootstrap() {
        Logger logger = Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");
        logger.setLevel(Level.SEVERE);
        return logger;
    }

    @Override
    public String toString() {
        return "CRI client of unix://" + socket;
    }
}
