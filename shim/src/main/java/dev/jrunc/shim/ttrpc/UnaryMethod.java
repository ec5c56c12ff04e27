package dev.jrunc.shim.ttrpc;

import com.google.protobuf.MessageLite;

/**
 * One unary method: parses its request from the payload and returns its response.
 *
 * <p>Throw {@link TtrpcException} to choose the status code the caller sees; any other exception
 * reaches the caller as {@link Code#UNKNOWN} with the exception's message.
 */
@FunctionalInterface
public interface UnaryMethod<Req extends MessageLite, Resp extends MessageLite> {
    Resp call(Req request) throws Exception;
}
