package io.codehub.agent.tunnel;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.reactive.StreamWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The response of one tunnel stream as Spring sees it: status and headers become one HTTP/2
 * HEADERS frame (names lower-cased, connection-specific headers dropped as RFC 9113 §8.2.2
 * requires), the body DATA frames written by the tunnel's one {@link StreamWriter}. {@link #completion()}
 * completes once END_STREAM was written.
 */
final class TunnelServerHttpResponse extends AbstractServerHttpResponse {

    private static final Set<String> CONNECTION_SPECIFIC = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade");

    private final TunnelStream stream;
    private final Http2Headers wireHeaders = new DefaultHttp2Headers();
    private final CompletableFuture<Void> completion = new CompletableFuture<>();

    TunnelServerHttpResponse(TunnelStream stream, NettyDataBufferFactory buffers) {
        super(buffers);
        this.stream = stream;
    }

    /** Completes when the whole response is written; fails when writing it failed. */
    CompletableFuture<Void> completion() {
        return completion;
    }

    @Override
    protected void applyStatusCode() {
        HttpStatusCode status = getStatusCode();
        wireHeaders.status(Integer.toString(status == null ? 200 : status.value()));
    }

    @Override
    protected void applyHeaders() {
        getHeaders().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!CONNECTION_SPECIFIC.contains(lower)) {
                for (String value : values) {
                    wireHeaders.add(lower, value);
                }
            }
        });
    }

    @Override
    protected void applyCookies() {
        for (List<ResponseCookie> cookies : getCookies().values()) {
            for (ResponseCookie cookie : cookies) {
                wireHeaders.add("set-cookie", cookie.toString());
            }
        }
    }

    @Override
    protected Mono<Void> writeWithInternal(Publisher<? extends DataBuffer> body) {
        return track(StreamWriter.write(stream, wireHeaders, body));
    }

    @Override
    protected Mono<Void> writeAndFlushWithInternal(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        // Every frame is flushed as it is written: the inner boundaries carry nothing more.
        return writeWithInternal(Flux.from(body).concatMap(Flux::from));
    }

    /** A response without a body: one HEADERS frame with END_STREAM. */
    @Override
    public Mono<Void> setComplete() {
        return isCommitted() ? Mono.empty()
                : doCommit(() -> track(StreamWriter.write(stream, wireHeaders, Mono.empty())));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getNativeResponse() {
        return (T) stream;
    }

    private Mono<Void> track(Mono<Void> write) {
        return write.doOnSuccess(v -> completion.complete(null)).doOnError(completion::completeExceptionally);
    }
}
