package io.codehub.tunnel;

import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * Agent side of "reconnect elsewhere": in front of the agent's own {@link IncomingStreamHandlerFactory},
 * answers the hub's {@value TunnelProtocol#RECONNECT_METHOD} {@value TunnelProtocol#RECONNECT_PATH}
 * itself with {@value TunnelProtocol#RECONNECT_ACCEPTED} and tells the connector which session was
 * asked to move; every other stream goes to the agent's factory. The tunnel layer answers so that the
 * message works whatever serves the agent's streams.
 */
final class ReconnectRequests implements IncomingStreamHandlerFactory {

    private final IncomingStreamHandlerFactory delegate;
    private final Consumer<String> requested;

    /**
     * @param requested called with the session id of each request, on the session's event loop,
     *                  before the answer is written
     */
    ReconnectRequests(IncomingStreamHandlerFactory delegate, Consumer<String> requested) {
        this.delegate = delegate;
        this.requested = requested;
    }

    static boolean isReconnectRequest(Http2Headers headers) {
        return TunnelProtocol.RECONNECT_METHOD.contentEquals(nonNull(headers.method()))
                && TunnelProtocol.RECONNECT_PATH.contentEquals(nonNull(headers.path()));
    }

    @Override
    public TunnelStreamHandler newHandler(TunnelStream stream, Http2Headers requestHeaders, boolean endStream) {
        if (!isReconnectRequest(requestHeaders)) {
            return delegate.newHandler(stream, requestHeaders, endStream);
        }
        requested.accept(stream.sessionId());
        stream.writeHeaders(new DefaultHttp2Headers().status(String.valueOf(TunnelProtocol.RECONNECT_ACCEPTED)), true);
        if (!endStream) {
            stream.request(1); // the request has no meaningful body: read and drop it, so the stream ends
        }
        return new TunnelStreamHandler() {
            @Override
            public void onHeaders(Http2Headers trailers, boolean end) {
                if (!end) {
                    stream.request(1);
                }
            }

            @Override
            public void onData(ByteBuf data, boolean end) {
                data.release();
                if (!end) {
                    stream.request(1);
                }
            }
        };
    }

    private static CharSequence nonNull(CharSequence value) {
        return value == null ? "" : value;
    }
}
