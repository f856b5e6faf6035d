package io.codehub.agent.tunnel;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.base.Checks;
import io.codehub.tunnel.IncomingStreamHandlerFactory;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
import io.codehub.tunnel.reactive.StreamReader;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.HttpHandler;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Serves a tunnel request stream with the application's {@link HttpHandler}: the same WebFlux
 * pipeline (filters, controller, exception handler) as the direct listener, so every endpoint
 * has one implementation whatever the door.
 *
 * <h2>Threading</h2>
 * The factory runs on the stream's event loop while the stream is being set up, where nothing may
 * yet pull the body; the handler is therefore subscribed on {@code scheduler} (non-blocking
 * workers), from where body demand and writes reach the stream through its thread-safe methods.
 */
final class TunnelHttpHandlerAdapter implements IncomingStreamHandlerFactory {

    private static final Logger log = LoggerFactory.getLogger(TunnelHttpHandlerAdapter.class);

    /** Bytes of an unread request body discarded after the response before the stream is reset. */
    static final long DRAIN_LIMIT = 1 << 20;

    private final HttpHandler handler;
    private final NettyDataBufferFactory buffers;
    private final long maxBodyBytes;
    private final Scheduler scheduler;
    private final AtomicLong requests = new AtomicLong();

    TunnelHttpHandlerAdapter(HttpHandler handler, NettyDataBufferFactory buffers, long maxBodyBytes, Scheduler scheduler) {
        this.handler = handler;
        this.buffers = buffers;
        this.maxBodyBytes = Checks.positive("maxBodyBytes", maxBodyBytes);
        this.scheduler = scheduler;
    }

    @Override
    public TunnelStreamHandler newHandler(TunnelStream stream, Http2Headers headers, boolean endStream) {
        // A handler that answers without reading the whole body leaves the stream open: the rest is
        // drained once the response is complete, so the hub can finish sending.
        StreamReader body = new StreamReader(stream, buffers, maxBodyBytes, endStream, StreamReader.OnCancel.DISCARD,
                DRAIN_LIMIT);
        TunnelServerHttpResponse response = new TunnelServerHttpResponse(stream, buffers);
        HttpStreamExchange exchange = new HttpStreamExchange(body, response);
        response.completion().whenComplete((v, error) -> {
            if (error == null) {
                body.drainRest();
            }
        });
        TunnelServerHttpRequest request = request(stream, headers, body);
        if (request == null) {
            // Not from here: demand signalled while the stream is being set up would misroute its frames.
            stream.writeHeaders(new DefaultHttp2Headers().status("400"), true)
                    .whenComplete((v, error) -> scheduler.schedule(() -> response.completion().complete(null)));
            return exchange;
        }
        exchange.handling(Mono.defer(() -> handler.handle(request, response))
                .subscribeOn(scheduler)
                .subscribe(null, error -> {
                    log.warn("tunnel request {} {} failed: {}", request.getMethod(), request.getPath(), error.toString());
                    stream.reset(Http2Error.INTERNAL_ERROR);
                }));
        return exchange;
    }

    private @Nullable TunnelServerHttpRequest request(TunnelStream stream, Http2Headers headers, StreamReader body) {
        CharSequence method = headers.method();
        CharSequence path = headers.path();
        if (method == null || method.isEmpty() || path == null || path.isEmpty() || path.charAt(0) != '/') {
            log.info("tunnel stream on session {} refused with 400: :method {}, :path {}", stream.sessionId(), method,
                    path == null ? null : "'" + truncate(path) + "'");
            return null;
        }
        URI uri;
        try {
            uri = new URI(scheme(headers) + "://" + authority(headers) + path);
        } catch (URISyntaxException e) {
            log.info("tunnel stream on session {} refused with 400: :path '{}' is not a URI path", stream.sessionId(),
                    truncate(path));
            return null;
        }
        HttpHeaders httpHeaders = new HttpHeaders();
        for (Map.Entry<CharSequence, CharSequence> header : headers) {
            CharSequence name = header.getKey();
            if (name.isEmpty() || name.charAt(0) != ':') {
                httpHeaders.add(name.toString(), header.getValue().toString());
            }
        }
        String id = stream.sessionId() + "-" + requests.incrementAndGet();
        return new TunnelServerHttpRequest(HttpMethod.valueOf(method.toString()), uri, httpHeaders, stream, id,
                body.flux());
    }

    private static String scheme(Http2Headers headers) {
        CharSequence scheme = headers.scheme();
        return scheme != null && "https".contentEquals(scheme) ? "https" : "http";
    }

    /** The hub's {@code :authority} when it is a plain host[:port], else a placeholder: the agent ignores it. */
    private static String authority(Http2Headers headers) {
        CharSequence authority = headers.authority();
        if (authority != null && !authority.isEmpty() && authority.length() <= 255
                && authority.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == ':'
                        || c == '[' || c == ']')) {
            return authority.toString();
        }
        return "tunnel";
    }

    private static String truncate(CharSequence value) {
        return value.length() > 200 ? value.subSequence(0, 200) + "..." : value.toString();
    }

}
