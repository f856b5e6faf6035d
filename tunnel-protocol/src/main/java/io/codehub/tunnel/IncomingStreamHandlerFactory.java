package io.codehub.tunnel;

import io.netty.handler.codec.http2.Http2Headers;

/**
 * Agent side: creates the handler of each stream the hub opens. Called on the stream's event loop
 * once its request HEADERS arrived (the initial frame is read without demand); must not block.
 * A factory that throws gets the stream reset with {@code INTERNAL_ERROR}.
 */
@FunctionalInterface
public interface IncomingStreamHandlerFactory {

    /**
     * @param stream the new stream; call {@link TunnelStream#request(int)} to receive its body
     * @param requestHeaders the request HEADERS ({@code :method CONNECT} for byte streams)
     * @param endStream whether the request has no body
     */
    TunnelStreamHandler newHandler(TunnelStream stream, Http2Headers requestHeaders, boolean endStream);
}
