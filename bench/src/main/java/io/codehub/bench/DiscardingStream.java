package io.codehub.bench;

import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/** The handler of a simulated agent's stream that was answered at once: whatever else comes is dropped. */
final class DiscardingStream implements TunnelStreamHandler {

    static final DiscardingStream INSTANCE = new DiscardingStream();

    private DiscardingStream() {
    }

    @Override
    public void onHeaders(Http2Headers headers, boolean endStream) {
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        data.release();
    }
}
