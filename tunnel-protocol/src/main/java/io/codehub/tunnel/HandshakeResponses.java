package io.codehub.tunnel;

import java.time.Duration;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;

/** The hub's answers to an upgrade request: {@code 101}, or a problem that closes the connection. */
final class HandshakeResponses {

    private static final System.Logger LOG = System.getLogger(HandshakeResponses.class.getName());

    private HandshakeResponses() {
    }

    /**
     * Refuses a request on the tunnel port (an upgrade or an endpoint call): tells the listener,
     * answers with the problem and closes the connection.
     */
    static void reject(ChannelHandlerContext ctx, ServerContext server, HandshakeProblem problem, String detail,
            @Nullable Duration retryAfter) {
        server.observer.handshakeRejected(problem);
        TunnelListener listener = server.listener;
        try {
            listener.handshakeRejected(ctx.channel().remoteAddress(), problem, detail);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "TunnelListener.handshakeRejected failed", e);
        }
        ctx.writeAndFlush(problem(problem, detail, retryAfter)).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Refuses a connection that cannot be answered (its TLS handshake never finished): tells the
     * observer and the listener, and closes it.
     */
    static void closeUnanswered(ChannelHandlerContext ctx, ServerContext server, HandshakeProblem problem,
            String detail) {
        server.observer.handshakeRejected(problem);
        try {
            server.listener.handshakeRejected(ctx.channel().remoteAddress(), problem, detail);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "TunnelListener.handshakeRejected failed", e);
        }
        ctx.close();
    }

    static FullHttpResponse switchingProtocols(String sessionId, String hubId, Keepalive keepalive,
            @Nullable String resumptionTicket) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER);
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, TunnelProtocol.UPGRADE_TOKEN);
        headers.set(TunnelProtocol.SESSION_ID_HEADER, sessionId);
        headers.set(TunnelProtocol.HUB_ID_HEADER, hubId);
        headers.set(TunnelProtocol.KEEPALIVE_INTERVAL_HEADER, keepalive.interval().toSeconds());
        if (resumptionTicket != null) {
            headers.set(TunnelProtocol.RESUMPTION_TICKET_HEADER, resumptionTicket);
        }
        return response;
    }

    static FullHttpResponse problem(HandshakeProblem problem, String detail, @Nullable Duration retryAfter) {
        byte[] body = ProblemBodies.encode(problem, detail);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(problem.status()), Unpooled.wrappedBuffer(body));
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, TunnelProtocol.PROBLEM_JSON);
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (problem == HandshakeProblem.UNSUPPORTED_VERSION) {
            headers.set(HttpHeaderNames.UPGRADE, TunnelProtocol.UPGRADE_TOKEN);
            headers.set(HttpHeaderNames.CONNECTION, "Upgrade, close");
        } else {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (problem == HandshakeProblem.UNAUTHORIZED) {
            headers.set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"codehub-tunnel\"");
        }
        if (retryAfter != null) {
            headers.set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds(retryAfter));
        }
        return response;
    }

    /** An endpoint's response; the connection closes after it. */
    static FullHttpResponse endpoint(TunnelEndpoint.Response r) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (r.status() == 401) {
            headers.set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"codehub-tunnel\"");
        }
        if (r.retryAfter() != null) {
            headers.set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds(r.retryAfter()));
        }
        return response;
    }

    /** Whole seconds, rounded up, at least 1: Retry-After has no finer unit. */
    static long retryAfterSeconds(Duration retryAfter) {
        long seconds = retryAfter.toSeconds();
        if (retryAfter.minusSeconds(seconds).isZero()) {
            return Math.max(1, seconds);
        }
        return Math.max(1, seconds + 1);
    }
}
