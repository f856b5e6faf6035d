package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * Serves one request to a {@link TunnelEndpoint} on the tunnel port: the plain HTTP/1.1
 * request/response door beside the upgrade. {@link ServerHandshakeHandler} routes a request for an
 * endpoint path without {@code Upgrade} here: {@link #serve} checks the request head, then puts an
 * {@link HttpObjectAggregator} capped at the endpoint's body size and this handler in the upgrade
 * handler's place; this handler gets the whole request, calls the endpoint (which must not
 * block), writes its answer on the event loop when it comes and closes the connection.
 *
 * <h2>Limits</h2>
 * Every limit of the upgrade applies, each broken one answered with a problem
 * ({@code application/problem+json}) and a close: request line and headers are capped by the
 * {@code HttpServerCodec} in front (checked before routing, {@code 431}); another method than the
 * endpoint's gets {@code 405}, an {@code Expect} other than {@code 100-continue} {@code 400}; an
 * empty failed-authentication budget {@code 429} and a malformed {@code Authorization} {@code 401}
 * (spending a token), all before the body is read; a body over
 * the endpoint's cap, declared or sent, {@code 413}; an unreadable body {@code 400}. The handshake
 * timeout, counted from the accept, covers reading the body ({@code 408}) and the endpoint's answer
 * ({@code 503}). An answer with {@link TunnelEndpoint.Response#failedAuthentication()} spends a
 * token of the source address.
 */
final class EndpointHandler extends ChannelInboundHandlerAdapter {

    static final String AGGREGATOR = "endpoint-aggregator";
    static final String NAME = "endpoint";
    private static final int MAX_BEARER = 1024;
    private static final System.Logger LOG = System.getLogger(EndpointHandler.class.getName());

    /** COLLECTING the body, HANDLING (the endpoint runs), DONE (answered or refused). */
    private enum State { COLLECTING, HANDLING, DONE }

    private final ServerContext server;
    private final TunnelServerBuilder.EndpointRoute route;
    private final String path;
    private final @Nullable String bearerToken;
    private final long deadlineNanos;
    private State state = State.COLLECTING;
    private @Nullable ScheduledFuture<?> timeout;

    private EndpointHandler(ServerContext server, TunnelServerBuilder.EndpointRoute route, String path,
            @Nullable String bearerToken, long deadlineNanos) {
        this.server = server;
        this.route = route;
        this.path = path;
        this.bearerToken = bearerToken;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Takes {@code request} (the head of a request to {@code path}, whose route is {@code route})
     * over from the upgrade handler at {@code handshake}; {@code deadlineNanos} is when the
     * handshake timeout runs out, on the event loop's ticker. The caller keeps its reference to
     * {@code request}.
     */
    static void serve(ChannelHandlerContext handshake, HttpRequest request, String path,
            TunnelServerBuilder.EndpointRoute route, ServerContext server, long deadlineNanos) {
        InetSocketAddress remote = (InetSocketAddress) handshake.channel().remoteAddress();
        if (!route.method().equals(request.method().name())) {
            HandshakeResponses.reject(handshake, server, HandshakeProblem.METHOD_NOT_ALLOWED,
                    path + " takes " + route.method(), null);
            return;
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && request.protocolVersion().compareTo(HttpVersion.HTTP_1_1) >= 0
                && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
            // else Netty's aggregator answers a bare 417, outside the problem types agents match on
            HandshakeResponses.reject(handshake, server, HandshakeProblem.MALFORMED,
                    "Expect other than 100-continue", null);
            return;
        }
        Duration wait = server.rateLimiter.retryAfter(remote.getAddress());
        if (wait != null) {
            HandshakeResponses.reject(handshake, server, HandshakeProblem.RATE_LIMITED,
                    "too many failed requests from this address", wait);
            return;
        }
        String bearer = null;
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null) {
            bearer = UpgradeRequests.bearer(authorization, MAX_BEARER);
            if (bearer == null) {
                server.rateLimiter.recordFailure(remote.getAddress());
                HandshakeResponses.reject(handshake, server, HandshakeProblem.UNAUTHORIZED,
                        "Authorization is not a Bearer token", null);
                return;
            }
        }
        EndpointHandler endpoint = new EndpointHandler(server, route, path, bearer, deadlineNanos);
        ChannelPipeline pipeline = handshake.pipeline();
        pipeline.addAfter(handshake.name(), AGGREGATOR, endpoint.new BodyAggregator(route.maxBodyBytes()));
        pipeline.addAfter(AGGREGATOR, NAME, endpoint);
        handshake.fireChannelRead(ReferenceCountUtil.retain(request));
        pipeline.remove(handshake.handler());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long left = Math.max(0, deadlineNanos - ctx.executor().ticker().nanoTime());
        timeout = ctx.executor().schedule(() -> timedOut(ctx), left, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (state == State.COLLECTING && msg instanceof FullHttpRequest request) {
                handle(ctx, request);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "endpoint " + path + " request from " + ctx.channel().remoteAddress()
                + " failed", cause);
        state = State.DONE;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.DONE;
        cancelTimeout();
        ctx.fireChannelInactive();
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest full) {
        if (full.decoderResult().isFailure()) {
            reject(ctx, HandshakeProblem.MALFORMED, "unparseable body: " + full.decoderResult().cause().getMessage(),
                    null);
            return;
        }
        state = State.HANDLING;
        TunnelEndpoint.Request request = new TunnelEndpoint.Request(full.method().name(), path, bearerToken,
                full.headers().get(HttpHeaderNames.CONTENT_TYPE), ByteBufUtil.getBytes(full.content()),
                (InetSocketAddress) ctx.channel().remoteAddress(), UpgradeRequests.peerCertificates(ctx));
        CompletionStage<TunnelEndpoint.Response> response;
        try {
            response = route.handler().handle(request);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        response.whenComplete((r, error) -> {
            try {
                ctx.executor().execute(() -> respond(ctx, request, r, error));
            } catch (RejectedExecutionException shuttingDown) {
                ctx.channel().close();
            }
        });
    }

    private void respond(ChannelHandlerContext ctx, TunnelEndpoint.Request request,
            TunnelEndpoint.@Nullable Response response, @Nullable Throwable error) {
        if (state != State.HANDLING || !ctx.channel().isActive()) {
            return;
        }
        if (error != null || response == null) {
            LOG.log(System.Logger.Level.WARNING, "endpoint failed for " + request, error);
            reject(ctx, HandshakeProblem.UNAVAILABLE, "the hub could not handle the request",
                    server.unavailableRetryAfter);
            return;
        }
        state = State.DONE;
        cancelTimeout();
        if (response.failedAuthentication()) {
            server.rateLimiter.recordFailure(request.remoteAddress().getAddress());
        }
        ctx.writeAndFlush(HandshakeResponses.endpoint(response)).addListener(ChannelFutureListener.CLOSE);
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (state == State.COLLECTING) {
            reject(ctx, HandshakeProblem.TIMEOUT, "no complete request within " + server.limits.handshakeTimeout(),
                    null);
        } else if (state == State.HANDLING) {
            reject(ctx, HandshakeProblem.UNAVAILABLE, "the request was not handled within "
                    + server.limits.handshakeTimeout(), server.unavailableRetryAfter);
        }
    }

    private void reject(ChannelHandlerContext ctx, HandshakeProblem problem, String detail,
            @Nullable Duration retryAfter) {
        state = State.DONE;
        cancelTimeout();
        HandshakeResponses.reject(ctx, server, problem, detail, retryAfter);
    }

    private void cancelTimeout() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
            timeout = null;
        }
    }

    /**
     * Netty's aggregator with the endpoint's cap, answering a body over it (declared in
     * {@code Content-Length}, with or without {@code Expect: 100-continue}, or sent) with the
     * tunnel's 413 problem instead of a bare status.
     */
    private final class BodyAggregator extends HttpObjectAggregator {

        BodyAggregator(int maxBodyBytes) {
            super(maxBodyBytes, true);
        }

        @Override
        protected @Nullable Object newContinueResponse(HttpMessage start, int maxContentLength,
                ChannelPipeline pipeline) {
            // Too large: no 100 Continue and no bare 413; handleOversizedMessage answers.
            return isContentLengthInvalid(start, maxContentLength)
                    ? null
                    : super.newContinueResponse(start, maxContentLength, pipeline);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            reject(ctx, HandshakeProblem.BODY_TOO_LARGE, "the body exceeds " + maxContentLength() + " bytes", null);
        }
    }
}
