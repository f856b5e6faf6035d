package io.codehub.tunnel.spring;

import java.net.URI;

import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.reactive.StreamWriter;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.AbstractClientHttpRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A WebClient request written to one tunnel stream: HEADERS on commit, then the body through the
 * tunnel's one {@link StreamWriter} (DATA under flow control, END_STREAM on the last frame, a
 * cancel or failure resets the stream).
 */
final class TunnelClientHttpRequest extends AbstractClientHttpRequest {

    private final HttpMethod method;
    private final URI uri;
    private final String agentId;
    private final TunnelStream stream;
    private final NettyDataBufferFactory buffers;
    private @Nullable Http2Headers requestHeaders;

    TunnelClientHttpRequest(HttpMethod method, URI uri, String agentId, TunnelStream stream,
            NettyDataBufferFactory buffers) {
        this.method = method;
        this.uri = uri;
        this.agentId = agentId;
        this.stream = stream;
        this.buffers = buffers;
    }

    @Override
    public HttpMethod getMethod() {
        return method;
    }

    @Override
    public URI getURI() {
        return uri;
    }

    @Override
    public NettyDataBufferFactory bufferFactory() {
        return buffers;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getNativeRequest() {
        return (T) stream;
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        return doCommit(() -> Mono.defer(() -> write(body)));
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        return writeWith(Flux.from(body).concatMap(Flux::from));
    }

    @Override
    public Mono<Void> setComplete() {
        return doCommit(() -> Mono.defer(() -> write(Mono.empty())));
    }

    @Override
    protected void applyHeaders() {
        requestHeaders = TunnelHeaders.request(method, uri, agentId, getHeaders());
    }

    @Override
    protected void applyCookies() {
        if (getCookies().isEmpty() || requestHeaders == null) {
            return;
        }
        StringBuilder cookie = new StringBuilder();
        getCookies().values().forEach(list -> list.forEach(c -> {
            if (!cookie.isEmpty()) {
                cookie.append("; ");
            }
            cookie.append(c.getName()).append('=').append(c.getValue());
        }));
        requestHeaders.add(HttpHeaders.COOKIE.toLowerCase(java.util.Locale.ROOT), cookie.toString());
    }

    /** Subscribed to by the commit after {@link #applyHeaders()} (the commit gets every action first). */
    private Mono<Void> write(Publisher<? extends DataBuffer> body) {
        Http2Headers headers = requestHeaders;
        if (headers == null) {
            return Mono.error(new IllegalStateException("headers written before commit"));
        }
        return StreamWriter.write(stream, headers, body);
    }
}
