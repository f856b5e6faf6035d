package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.codehub.base.AgentTime;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * Hub side of the upgrade: validates the HTTP/1.1 request, applies the pre-authentication limits,
 * runs the {@link TunnelAuthenticator} without blocking, answers 101 or a problem, and on 101
 * replaces itself with the HTTP/2 client pipeline of a new session. A request for a
 * {@link TunnelEndpoint} path without {@code Upgrade} goes to {@link EndpointHandler} instead,
 * with what is left of the handshake timeout.
 *
 * <h2>Limits</h2>
 * The channel has {@code AUTO_READ} off: exactly one request is read, and nothing while the
 * authenticator runs. The request line and headers are capped by the {@link HttpServerCodec}
 * in front ({@code 431}), and {@link TunnelLimits#handshakeTimeout()} covers everything from
 * accept (TLS included) to the 101: a connection still in its TLS handshake then is closed
 * unanswered, one without a complete request gets {@code 408}. A source whose failed-authentication bucket is empty gets
 * {@code 429} before the authenticator runs. At most {@link TunnelLimits#maxHandshakesPerAddress()}
 * connections of one address are in this handler at once (the rest are closed at accept); a
 * connection leaves the count at its 101 or when it closes.
 */
final class ServerHandshakeHandler extends ChannelInboundHandlerAdapter {

    static final String HTTP_CODEC = "http-codec";
    static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_API_KEY = 1024;
    private static final int MAX_TICKET = 4096;
    private static final System.Logger LOG = System.getLogger(ServerHandshakeHandler.class.getName());

    /** WAITING for the request, AUTHENTICATING an upgrade, DONE (answered, or handed to an endpoint). */
    private enum State { WAITING, AUTHENTICATING, DONE }

    private final ServerContext server;
    /** Gives back this connection's slot in {@link HandshakesPerAddress} (at 101, or at close). */
    private final Runnable releaseSlot;
    private State state = State.WAITING;
    private @Nullable ScheduledFuture<?> timeout;
    /** The agent's clock minus the server's, from its upgrade request; null when it did not say. */
    private @Nullable Duration agentClockOffset;
    /** When the handshake timeout runs out, on the event loop's ticker. */
    private long deadlineNanos;

    ServerHandshakeHandler(ServerContext server, Runnable releaseSlot) {
        this.server = server;
        this.releaseSlot = releaseSlot;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long limit = server.limits.handshakeTimeout().toNanos();
        deadlineNanos = ctx.executor().ticker().nanoTime() + limit;
        timeout = ctx.executor().schedule(() -> timedOut(ctx), limit, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (state == State.WAITING && msg instanceof HttpRequest request) {
                state = State.AUTHENTICATING;
                handle(ctx, request);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent tls && !tls.isSuccess()) {
            server.observer.tlsHandshakeFailed();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "handshake from " + ctx.channel().remoteAddress() + " failed", cause);
        state = State.DONE;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.DONE;
        cancelTimeout();
        ctx.fireChannelInactive();
    }

    private void handle(ChannelHandlerContext ctx, HttpRequest request) {
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            if (decoded.cause() instanceof TooLongHttpHeaderException) {
                reject(ctx, HandshakeProblem.HEADERS_TOO_LARGE,
                        "headers exceed " + server.limits.maxHandshakeHeaderBytes() + " bytes", null);
            } else {
                reject(ctx, HandshakeProblem.MALFORMED, "unparseable request: " + decoded.cause().getMessage(), null);
            }
            return;
        }
        HttpHeaders headers = request.headers();
        String path = pathOf(request.uri());
        TunnelServerBuilder.EndpointRoute route = server.endpoints.get(path);
        if (route != null && !headers.contains(HttpHeaderNames.UPGRADE)) {
            state = State.DONE;
            cancelTimeout();
            EndpointHandler.serve(ctx, request, path, route, server, deadlineNanos);
            return;
        }
        if (!TunnelProtocol.PATH.equals(request.uri())) {
            reject(ctx, HandshakeProblem.NOT_FOUND, "the tunnel is at " + TunnelProtocol.PATH, null);
            return;
        }
        String malformed = UpgradeRequests.malformed(request);
        if (malformed != null) {
            reject(ctx, HandshakeProblem.MALFORMED, malformed, null);
            return;
        }
        if (!headers.containsValue(HttpHeaderNames.UPGRADE, TunnelProtocol.UPGRADE_TOKEN, true)) {
            reject(ctx, HandshakeProblem.UNSUPPORTED_VERSION,
                    "this hub speaks " + TunnelProtocol.UPGRADE_TOKEN, null);
            return;
        }
        if (server.draining()) {
            reject(ctx, HandshakeProblem.UNAVAILABLE, "hub is draining", server.drainingRetryAfter());
            return;
        }
        // Full: refuse before authenticating, except a reconnect with a ticket (cheap to check), which
        // may replace the agent's own stale session; the exact check follows authentication.
        if (!headers.contains(TunnelProtocol.RESUMPTION_TICKET_HEADER) && !server.registry.hasRoomFor(null)) {
            reject(ctx, HandshakeProblem.UNAVAILABLE, "hub is at its tunnel limit", server.unavailableRetryAfter);
            return;
        }
        Duration wait = server.rateLimiter.retryAfter(remote.getAddress());
        if (wait != null) {
            reject(ctx, HandshakeProblem.RATE_LIMITED, "too many failed handshakes from this address", wait);
            return;
        }
        String apiKey = null;
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null) {
            apiKey = UpgradeRequests.bearer(authorization, MAX_API_KEY);
            if (apiKey == null) {
                failAuth(ctx, remote, "Authorization is not a Bearer token");
                return;
            }
        }
        String ticket = headers.get(TunnelProtocol.RESUMPTION_TICKET_HEADER);
        if (ticket != null && !HeaderValues.isToken68(ticket, MAX_TICKET)) {
            failAuth(ctx, remote, "malformed resumption ticket");
            return;
        }
        List<X509Certificate> certificates = UpgradeRequests.peerCertificates(ctx);
        if (apiKey == null && ticket == null && certificates.isEmpty()) {
            failAuth(ctx, remote, "no credentials");
            return;
        }
        Long agentTime = AgentTime.parse(headers.get(TunnelProtocol.AGENT_TIME_HEADER));
        agentClockOffset = agentTime == null ? null : Duration.ofMillis(agentTime - server.clock.millis());
        HandshakeRequest handshake = new HandshakeRequest(apiKey, ticket,
                headers.get(TunnelProtocol.AGENT_VERSION_HEADER), remote, certificates, AgentDescription.of(headers));
        CompletionStage<AuthDecision> decision;
        try {
            decision = server.authenticator.authenticate(handshake);
        } catch (RuntimeException e) {
            decision = CompletableFuture.failedFuture(e);
        }
        decision.whenComplete((d, error) -> {
            try {
                ctx.executor().execute(() -> decided(ctx, handshake, d, error));
            } catch (RejectedExecutionException shuttingDown) {
                ctx.channel().close();
            }
        });
    }

    private void decided(ChannelHandlerContext ctx, HandshakeRequest handshake, @Nullable AuthDecision decision,
            @Nullable Throwable error) {
        if (state != State.AUTHENTICATING || !ctx.channel().isActive()) {
            return;
        }
        if (error != null || decision == null) {
            LOG.log(System.Logger.Level.WARNING, "authenticator failed for " + handshake, error);
            reject(ctx, HandshakeProblem.UNAVAILABLE, "authentication unavailable", server.unavailableRetryAfter);
        } else if (decision instanceof AuthDecision.Rejected rejected) {
            if (rejected.problem() != HandshakeProblem.RATE_LIMITED && rejected.problem() != HandshakeProblem.UNAVAILABLE) {
                server.rateLimiter.recordFailure(handshake.remoteAddress().getAddress());
            }
            reject(ctx, rejected.problem(), rejected.detail(), rejected.retryAfter());
        } else {
            accept(ctx, handshake, (AuthDecision.Accepted) decision);
        }
    }

    private void accept(ChannelHandlerContext ctx, HandshakeRequest handshake, AuthDecision.Accepted accepted) {
        if (server.draining()) {
            reject(ctx, HandshakeProblem.UNAVAILABLE, "hub is draining", server.drainingRetryAfter());
            return;
        }
        if (!server.registry.hasRoomFor(accepted.agentId())) {
            reject(ctx, HandshakeProblem.UNAVAILABLE, "hub is at its tunnel limit", server.unavailableRetryAfter);
            return;
        }
        state = State.DONE;
        cancelTimeout();
        releaseSlot.run();
        String sessionId = ServerContext.newSessionId();
        DefaultTunnelSession session = new DefaultTunnelSession(sessionId, accepted.agentId(),
                handshake.agentVersion(), handshake.remoteAddress(), server.clock.instant(), ctx.channel(),
                server.limits, handshake.peerCertificates(), handshake.description(), agentClockOffset,
                server.observer);
        // The 101 is encoded now but sent only after the session is registered, so an agent that
        // has its 101 always finds its session on the hub; and the session is registered only once
        // the pipeline speaks HTTP/2, so a stream opened the moment it is visible finds the
        // multiplexer. The HTTP/2 preface and first frames queue behind the 101.
        ctx.write(HandshakeResponses.switchingProtocols(sessionId, server.hubId, server.keepalive,
                accepted.resumptionTicket()));
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.remove(HTTP_CODEC);
        pipeline.addLast(ControlFrameBudget.NAME, Http2Pipelines.hubBudget(server.limits));
        pipeline.addLast(Http2Pipelines.FLUSH, Http2Pipelines.flushConsolidation());
        pipeline.addLast(Http2Pipelines.CODEC, Http2Pipelines.hubCodec(server.limits));
        pipeline.addLast(Http2Pipelines.MULTIPLEX, Http2Pipelines.hubMultiplexer());
        pipeline.addLast(new HubKeepaliveHandler(server.keepalive, rtt -> {
            session.recordRtt(rtt);
            server.observer.pingAcknowledged(rtt.toNanos());
        }));
        pipeline.addLast(new HubSessionHandler(session, server));
        pipeline.remove(this);
        Http2Pipelines.widenConnectionWindow(ctx.channel(), server.limits);
        DefaultTunnelSession replaced = server.registry.register(session);
        server.observer.handshakeAccepted(handshake.resumptionTicket() != null);
        if (replaced != null) {
            server.observer.sessionReplaced();
            // The old connection finishes its open streams (no call fails because the agent
            // reconnected, e.g. with a renewed certificate) and is closed after the grace at the latest.
            replaced.drain(TunnelProtocol.GOAWAY_REPLACED, CloseReason.REPLACED, server.replacedSessionGrace);
        }
        ctx.channel().flush();
        ctx.channel().config().setAutoRead(true);
        ctx.channel().read();
        try {
            server.listener.sessionOpened(session);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "TunnelListener.sessionOpened failed", e);
        }
    }

    private static String pathOf(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    private void failAuth(ChannelHandlerContext ctx, InetSocketAddress remote, String detail) {
        server.rateLimiter.recordFailure(remote.getAddress());
        reject(ctx, HandshakeProblem.UNAUTHORIZED, detail, null);
    }

    private void reject(ChannelHandlerContext ctx, HandshakeProblem problem, String detail,
            @Nullable Duration retryAfter) {
        state = State.DONE;
        cancelTimeout();
        HandshakeResponses.reject(ctx, server, problem, detail, retryAfter);
    }

    private void timedOut(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (state == State.WAITING && tls != null && !tls.handshakeFuture().isDone()) {
            // A stalled ClientHello (or TLS handshake): there is no TLS session to answer 408 in,
            // and a write queued behind the handshake would never complete. Close unanswered now,
            // rather than at the SslHandler's own (longer) handshake timeout.
            state = State.DONE;
            cancelTimeout();
            HandshakeResponses.closeUnanswered(ctx, server, HandshakeProblem.TIMEOUT,
                    "no TLS handshake within " + server.limits.handshakeTimeout());
            return;
        }
        if (state == State.WAITING) {
            reject(ctx, HandshakeProblem.TIMEOUT,
                    "no complete request within " + server.limits.handshakeTimeout(), null);
        } else if (state == State.AUTHENTICATING) {
            reject(ctx, HandshakeProblem.UNAVAILABLE, "authentication did not finish within "
                    + server.limits.handshakeTimeout(), server.unavailableRetryAfter);
        }
    }

    private void cancelTimeout() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
            timeout = null;
        }
    }
}
