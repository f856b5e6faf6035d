package io.codehub.agent.tunnel;

import io.codehub.tunnel.TunnelStreamException;
import io.codehub.tunnel.TunnelStreamHandler;
import io.codehub.tunnel.reactive.StreamReader;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import reactor.core.Disposable;
import reactor.core.Disposables;

/**
 * The inbound side of one request stream while Spring handles it: frames go to the request body
 * (the tunnel's one {@link StreamReader}); a reset or an early close cancels the handling (and with
 * it any body still being written).
 */
final class HttpStreamExchange implements TunnelStreamHandler {

    private final StreamReader body;
    private final TunnelServerHttpResponse response;
    private final Disposable.Swap handling = Disposables.swap();

    HttpStreamExchange(StreamReader body, TunnelServerHttpResponse response) {
        this.body = body;
        this.response = response;
    }

    void handling(Disposable subscription) {
        handling.update(subscription);
    }

    @Override
    public void onHeaders(Http2Headers headers, boolean endStream) {
        body.onTrailers(endStream);
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        body.onData(data, endStream);
    }

    @Override
    public void onStreamError(TunnelStreamException error) {
        body.onError(error);
        handling.dispose();
    }

    @Override
    public void onClosed() {
        if (!response.completion().isDone()) {
            handling.dispose();
        }
    }
}
