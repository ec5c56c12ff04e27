package dev.jrunc.shim.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The method table a server dispatches on: service name + method name -> handler.
 *
 * <p>ttrpc has no service descriptors on the wire: a request names its service and method as plain
 * strings (e.g. {@code "containerd.task.v2.Task"} and {@code "Create"}) and carries the method's
 * request message as opaque bytes. This table is what gives those bytes a type.
 */
public final class Services {

    /** service name -> (method name -> method); concurrent so registering never races a running server. */
    private final Map<String, Map<String, TypedMethod<?, ?>>> services = new ConcurrentHashMap<>();

    public <Req extends MessageLite, Resp extends MessageLite> Services register(
            String service, String method, Parser<Req> requestParser, UnaryMethod<Req, Resp> handler) {
        services.computeIfAbsent(service, name -> new ConcurrentHashMap<>())
                .put(method, new TypedMethod<>(requestParser, handler));
        return this;
    }

    /**
     * Serves {@code existing}'s methods under another service name too (the same table: methods registered later
     * show under both). For an API whose next version has the same messages under another package name, such as
     * containerd's {@code containerd.task.v3.Task} and {@code containerd.task.v2.Task}.
     */
    public Services alias(String alias, String existing) {
        Map<String, TypedMethod<?, ?>> methods = services.get(existing);
        if (methods == null) {
            throw new IllegalArgumentException("no service " + existing + " to serve as " + alias);
        }
        services.put(alias, methods);
        return this;
    }

    /**
     * Runs one call and returns the serialized response.
     *
     * @throws TtrpcException UNIMPLEMENTED for an unknown service or method (the texts match the Go
     *     server's, which containerd users see in logs), INVALID_ARGUMENT for a payload the method
     *     cannot parse, or whatever the handler threw
     * @throws Exception anything else the handler threw
     */
    public ByteString invoke(String service, String method, ByteString payload) throws Exception {
        Map<String, TypedMethod<?, ?>> methods = services.get(service);
        if (methods == null) {
            throw TtrpcException.unimplemented("service " + service);
        }
        TypedMethod<?, ?> typed = methods.get(method);
        if (typed == null) {
            throw TtrpcException.unimplemented("method " + method);
        }
        return typed.invoke(payload);
    }

    /** A handler together with the parser for its request type, so the two can never be mismatched. */
    private record TypedMethod<Req extends MessageLite, Resp extends MessageLite>(
            Parser<Req> requestParser, UnaryMethod<Req, Resp> handler) {

        ByteString invoke(ByteString payload) throws Exception {
            Req request;
            try {
                request = requestParser.parseFrom(payload);
            } catch (InvalidProtocolBufferException e) {
                throw TtrpcException.invalidArgument(e.getMessage());
            }
            Resp response = handler.call(request);
            if (response == null) {
                // A null would otherwise look like an empty (successful) answer and hide the bug.
                throw new IllegalStateException("handler returned no response");
            }
            return response.toByteString();
        }
    }
}
