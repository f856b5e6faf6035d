package io.codehub.tunnel.spring;

import java.net.URI;

import io.codehub.tunnel.TunnelStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.AbstractClientHttpRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A WebClient request written to one tunnel stream: HEADERS on commit, then the body as DATA frames,
 * each written only after the previous one reached the connection (so a peer that stops reading
 * stops the writer too, through the stream's flow-control window), then an empty END_STREAM.
 * Empty buffers are not sent: the agent counts consecutive empty DATA frames as abuse.
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
        return doCommit(() -> writeHeaders(false).then(writeBody(body)));
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        return writeWith(Flux.from(body).concatMap(Flux::from));
    }

    @Override
    public Mono<Void> setComplete() {
        return doCommit(() -> writeHeaders(true));
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

    private Mono<Void> writeHeaders(boolean endStream) {
        return Mono.defer(() -> {
            Http2Headers headers = requestHeaders;
            if (headers == null) {
                return Mono.error(new IllegalStateException("headers written before commit"));
            }
            return Mono.fromFuture(stream.writeHeaders(headers, endStream));
        });
    }

    private Mono<Void> writeBody(Publisher<? extends DataBuffer> body) {
        return Flux.<DataBuffer>from(body)
                .concatMap(this::writeData, 1)
                .then(Mono.defer(() -> Mono.fromFuture(stream.writeData(Unpooled.EMPTY_BUFFER, true))))
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
    }

    private Mono<Void> writeData(DataBuffer buffer) {
        if (buffer.readableByteCount() == 0) {
            DataBufferUtils.release(buffer);
            return Mono.empty();
        }
        ByteBuf data = NettyDataBufferFactory.toByteBuf(buffer);
        return Mono.fromFuture(() -> stream.writeData(data, false));
    }
}
