package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelConnectionException.Reason.CONNECT_FAILED;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.codehub.base.AgentTime;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * Agent side of the upgrade: sends the request once the connection is up (a proxy tunnel buffers
 * the write) and, over TLS, once the TLS handshake is done; on {@code 101} turns the pipeline into
 * the HTTP/2 server of the session; bytes the hub sent right behind the 101 (its preface) are handed
 * to the HTTP/2 codec when the HTTP codec is removed. Any other answer fails {@link #result} with a
 * {@link HandshakeRejectedException} carrying the problem type and Retry-After.
 */
final class ClientHandshakeHandler extends ChannelInboundHandlerAdapter {

    static final String HTTP_CODEC = "http-codec";
    static final String AGGREGATOR = "http-aggregator";
    static final int MAX_RESPONSE_BYTES = 16 * 1024;
    private static final long MAX_KEEPALIVE_SECONDS = TunnelProtocol.MAX_KEEPALIVE_INTERVAL.toSeconds();
    /**
     * Until the hub's first byte, an attempt waits this many handshake timeouts: a hub at its cap of
     * handshakes in progress lets new connections wait for their turn (accepted, or in its listen
     * backlog: the TCP connect has succeeded, nothing has been answered yet), up to five handshake
     * timeouts, and a fleet reconnecting at once would otherwise give up on its turn, back off, and
     * come back later than its turn was. The price: a hub whose process hangs while its kernel still
     * accepts is given up on after a minute instead of ten seconds.
     */
    static final int QUEUED_ALLOWANCE = 6;

    /** Everything one attempt needs; credentials never printed. */
    record Attempt(String hostHeader, @Nullable String apiKey, @Nullable String ticket, String agentVersion,
            AgentDescription description, TunnelLimits limits, IncomingStreamHandlerFactory streams,
            AgentSessionHandler.Events events) {
        @Override
        public String toString() {
            return "Attempt{host=" + hostHeader + ", credential=" + (ticket != null ? "ticket" : "apiKey") + '}';
        }
    }

    /** The 101's session facts plus the new ticket, if the hub issued one. */
    record Upgraded(HubSessionInfo info, @Nullable String ticket) {
    }

    private final Attempt attempt;
    private final CompletableFuture<Upgraded> result = new CompletableFuture<>();
    private @Nullable ScheduledFuture<?> timeout;

    ClientHandshakeHandler(Attempt attempt) {
        this.attempt = attempt;
    }

    CompletableFuture<Upgraded> result() {
        return result;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Duration allowance = attempt.limits().handshakeTimeout().multipliedBy(QUEUED_ALLOWANCE);
        timeout = ctx.executor().schedule(() -> timedOut(ctx, "no answer from " + attempt.hostHeader() + " within "
                + allowance + " (a hub at its cap of handshakes accepts connections as handshakes end: it may be busy, "
                + "or stalled)"), allowance.toNanos(), TimeUnit.NANOSECONDS);
        // A refused connect never makes the channel active, so channelInactive never comes: without
        // this the timer would keep the dead attempt (channel, TLS engine) until it fires, thousands
        // of them during a reconnect storm.
        ctx.channel().closeFuture().addListener(f -> cancelTimeout());
    }

    /**
     * The hub (or the proxy) sent its first byte: it has accepted the connection, and the handshake
     * has {@code handshakeTimeout} from now to complete.
     */
    void answered(ChannelHandlerContext ctx) {
        if (result.isDone()) {
            return;
        }
        cancelTimeout();
        timeout = ctx.executor().schedule(() -> timedOut(ctx, "handshake with " + attempt.hostHeader()
                + " did not complete within " + attempt.limits().handshakeTimeout() + " of its first answer"),
                attempt.limits().handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void timedOut(ChannelHandlerContext ctx, String message) {
        if (result.completeExceptionally(new TunnelConnectionException(CONNECT_FAILED, message, null))) {
            ctx.close();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(SslHandler.class) == null) {
            sendUpgradeRequest(ctx);
        }
        // Over TLS the request goes out when the TLS handshake is done (userEventTriggered): its
        // Codehub-Agent-Time is then the moment the hub reads it, not when the connection began
        // waiting in a busy hub's listen backlog (which the hub would take for a slow agent clock).
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent tls && !result.isDone()) {
            if (tls.isSuccess()) {
                sendUpgradeRequest(ctx);
            } else {
                fail(ctx, new TunnelConnectionException(CONNECT_FAILED, "TLS handshake with " + attempt.hostHeader()
                        + " failed: " + tls.cause(), tls.cause()));
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void sendUpgradeRequest(ChannelHandlerContext ctx) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                TunnelProtocol.PATH, Unpooled.EMPTY_BUFFER);
        HttpHeaders headers = request.headers();
        headers.set(HttpHeaderNames.HOST, attempt.hostHeader());
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, TunnelProtocol.UPGRADE_TOKEN);
        headers.set(TunnelProtocol.AGENT_VERSION_HEADER, attempt.agentVersion());
        attempt.description().addTo(headers);
        headers.set(TunnelProtocol.AGENT_TIME_HEADER, AgentTime.format(System.currentTimeMillis()));
        if (attempt.ticket() != null) {
            headers.set(TunnelProtocol.RESUMPTION_TICKET_HEADER, attempt.ticket());
        } else if (attempt.apiKey() != null) {
            headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + attempt.apiKey());
        }
        ctx.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, new TunnelConnectionException(CONNECT_FAILED, "sending the upgrade request to "
                        + attempt.hostHeader() + " failed", f.cause()));
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpResponse response) || result.isDone()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (HttpResponseStatus.SWITCHING_PROTOCOLS.equals(response.status())) {
                upgrade(ctx, response);
            } else {
                fail(ctx, rejection(response));
            }
        } finally {
            response.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, new TunnelConnectionException(CONNECT_FAILED, "handshake with " + attempt.hostHeader() + " failed: "
                + cause, cause));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new TunnelConnectionException(CONNECT_FAILED, "connection to " + attempt.hostHeader()
                + " closed during the handshake", null));
        ctx.fireChannelInactive();
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpResponse response) {
        HttpHeaders headers = response.headers();
        String sessionId = headers.get(TunnelProtocol.SESSION_ID_HEADER);
        String hubId = headers.get(TunnelProtocol.HUB_ID_HEADER);
        Integer interval = headers.getInt(TunnelProtocol.KEEPALIVE_INTERVAL_HEADER);
        String ticket = headers.get(TunnelProtocol.RESUMPTION_TICKET_HEADER);
        String problem = null;
        if (!headers.containsValue(HttpHeaderNames.UPGRADE, TunnelProtocol.UPGRADE_TOKEN, true)) {
            problem = "101 without Upgrade: " + TunnelProtocol.UPGRADE_TOKEN;
        } else if (!HeaderValues.isPrintable(sessionId, 128) || !HeaderValues.isPrintable(hubId, 64)) {
            problem = "101 without a valid session id or hub id";
        } else if (interval == null || interval < 1 || interval > MAX_KEEPALIVE_SECONDS) {
            problem = "101 with keepalive interval " + interval + " (expected: 1 to " + MAX_KEEPALIVE_SECONDS + ")";
        } else if (ticket != null && !HeaderValues.isToken68(ticket, 4096)) {
            problem = "101 with a malformed resumption ticket";
        }
        if (problem != null) {
            fail(ctx, new TunnelConnectionException(CONNECT_FAILED, "handshake with " + attempt.hostHeader() + ": " + problem,
                    null));
            return;
        }
        cancelTimeout();
        Duration keepalive = Duration.ofSeconds(interval);
        HubSessionInfo info = new HubSessionInfo(sessionId, hubId, keepalive, ctx.channel().remoteAddress());
        ChannelPipeline pipeline = ctx.pipeline();
        // From here the HTTP encoder passes bytes through: the HTTP/2 codec writes its preface at once.
        ((HttpClientCodec) pipeline.get(HTTP_CODEC)).prepareUpgradeFrom(ctx);
        pipeline.addAfter(HTTP_CODEC, "agent-idle", new AgentIdleHandler(keepalive));
        // A path quiet for 5 s (between two of the hub's PINGs) is probed by the kernel, which finds a
        // dead one (a NAT that dropped the flow) within 8 s, long before the idle deadline would.
        TunnelTransport.probeDeadPaths(ctx.channel(), TunnelTransport.pathQuiet(keepalive));
        pipeline.addAfter("agent-idle", Http2Pipelines.FLUSH, Http2Pipelines.flushConsolidation());
        pipeline.addAfter(Http2Pipelines.FLUSH, Http2Pipelines.CODEC, Http2Pipelines.agentCodec(attempt.limits()));
        pipeline.addAfter(Http2Pipelines.CODEC, Http2Pipelines.MULTIPLEX,
                Http2Pipelines.agentMultiplexer(sessionId, attempt.limits(), attempt.streams()));
        pipeline.addAfter(Http2Pipelines.MULTIPLEX, "agent-session", new AgentSessionHandler(info, attempt.events()));
        pipeline.remove(AGGREGATOR);
        pipeline.remove(this);
        // Removed last: the HTTP decoder hands what it buffered beyond the 101 to the HTTP/2 codec.
        pipeline.remove(HTTP_CODEC);
        Http2Pipelines.widenConnectionWindow(ctx.channel(), attempt.limits());
        result.complete(new Upgraded(info, ticket));
    }

    private HandshakeRejectedException rejection(FullHttpResponse response) {
        String body = response.content().toString(StandardCharsets.UTF_8);
        String type = ProblemBodies.stringMember(body, "type");
        String detail = ProblemBodies.stringMember(body, "detail");
        return new HandshakeRejectedException(attempt.hostHeader(), response.status().code(),
                type == null ? "about:blank" : type, detail == null ? "" : detail,
                retryAfter(response.headers().get(HttpHeaderNames.RETRY_AFTER)));
    }

    /** Delta-seconds only (what the hub sends); anything else is ignored. */
    static @Nullable Duration retryAfter(@Nullable String value) {
        if (value == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(value.trim());
            return seconds < 0 || seconds > 86_400 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException httpDate) {
            return null;
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        cancelTimeout();
        if (result.completeExceptionally(cause)) {
            ctx.close();
        }
    }

    private void cancelTimeout() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
            timeout = null;
        }
    }

    /**
     * First in the pipeline, before TLS: tells {@link #answered} when the first byte arrives, then
     * leaves the pipeline.
     */
    static final class FirstByte extends ChannelInboundHandlerAdapter {

        static final String NAME = "first-byte";

        private final ClientHandshakeHandler handshake;

        FirstByte(ClientHandshakeHandler handshake) {
            this.handshake = handshake;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ChannelHandlerContext handshakeContext = ctx.pipeline().context(handshake);
            if (handshakeContext != null) {
                handshake.answered(handshakeContext);
            }
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
        }
    }
}
