package io.codehub.hub.gateway;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.config.GatewayProperties;
import io.codehub.hub.workspaces.DesiredState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * One gateway connection: a browser's (or any HTTP/1.1 client's) connection, proxied to the app
 * of the one workspace its {@code Host} names, over one upstream channel (a tunnel CONNECT stream
 * or a TCP connection) kept for as long as both sides keep the connection alive.
 *
 * <h2>A request</h2>
 * Its head is checked (method, request target, {@code Host}, credentials) before anything else
 * happens; then the workspace's {@link Route} is looked up, the session verified against it, and
 * the upstream dialled when there is none yet. The head goes upstream with the gateway's own
 * cookie and bearer token removed, hop-by-hop headers dropped and {@code X-Forwarded-*} rebuilt;
 * {@code Host} and every WebSocket header stay as sent. Bodies stream both ways as they come.
 * A {@code 101} from the app turns the connection into a byte splice: both HTTP codecs leave the
 * pipelines and WebSocket frames pass unparsed, of any size.
 *
 * <h2>Back-pressure</h2>
 * Both channels have {@code AUTO_READ} off. Each side is read only while the other is writable,
 * so neither the hub nor the agent holds more than a socket buffer or a stream window of a slow
 * reader's data, and a stalled connection never slows another.
 *
 * <h2>Threading</h2>
 * All state lives on the client channel's event loop. A connection to a workspace behind a tunnel
 * moves to the tunnel connection's loop before its first CONNECT stream is opened
 * ({@link #moveTo}), so client and upstream share one thread and nothing is handed over per
 * message; a direct upstream is dialled on the client's loop. Upstream events that still arrive on
 * another thread (the agent reconnected on another loop) are handed to the client's loop in order;
 * stale events of an upstream the connection has already let go are dropped.
 */
final class GatewayHandler extends ChannelDuplexHandler {

    /**
     * The user event {@link GatewayServer} fires on each connection when it stops: an exchange in
     * progress runs to its end (its response says {@code Connection: close}) and the connection
     * closes after it; an idle connection or a WebSocket closes at once.
     */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "gateway drain";
        }
    };
    static final String CODEC = "http";
    static final String IDLE = "idle";
    private static final String UPSTREAM_CODEC = "upstream-http";
    private static final String UPSTREAM_CONTIGUOUS = "upstream-contiguous";
    private static final String ACCESS_PATH = "/.codehub/access";
    private static final int MAX_CODE_LENGTH = 256;
    private static final String BEARER = "bearer ";
    private static final long LINGER_MILLIS = 2_000;
    /** Methods whose requests the gateway sends again when the app closed the connection unanswered. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS");
    /** Credentials looked at per request, at most: each costs an HMAC. */
    private static final int MAX_CREDENTIALS = 4;

    private final Gateway gateway;
    private @Nullable ChannelHandlerContext ctx;
    /** The workspace host this connection serves; set by its first routed request. */
    private @Nullable WorkspaceHost bound;
    /** The {@code Host} header that named {@link #bound}: the same header again needs no parsing. */
    private @Nullable String boundHeader;
    private @Nullable Channel upstream;
    /** Client messages read while a request head was being routed, or while a response was in flight. */
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private @Nullable Exchange exchange;
    private boolean busy;
    private boolean raw;
    private boolean closing;
    /** The gateway stops: no exchange after the one in progress. */
    private boolean draining;
    private @Nullable ScheduledFuture<?> headTimer;
    private @Nullable ScheduledFuture<?> responseTimer;

    GatewayHandler(Gateway gateway) {
        this.gateway = gateway;
    }

    // ---- client side --------------------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        armHeadTimer();
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            // Lingering: drop what the client still sends.
            ReferenceCountUtil.release(msg);
            ctx.read();
        } else if (raw) {
            Channel up = upstream;
            if (up == null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof ByteBuf buf) {
                exchange().in += buf.readableBytes();
            }
            up.write(msg);
        } else if (busy || !pending.isEmpty() || (exchange != null && exchange.requestDone)) {
            pending.add(msg);
        } else {
            handle(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel up = upstream;
        if (up != null) {
            up.flush();
        }
        readClientIfReady();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            readUpstreamIfReady();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DRAIN) {
            drain();
            return;
        }
        if (evt instanceof IdleStateEvent) {
            gateway.log().debug("gateway connection from {} idle for {}: closing", ctx.channel().remoteAddress(),
                    gateway.properties().idleTimeout());
            if (exchange != null) {
                exchange.outcome = "idle-timeout";
            }
            closeAll();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimers();
        Exchange e = exchange;
        if (e != null && !e.logged) {
            if (e.outcome == null) {
                e.outcome = "client-closed";
            }
            logExchange(e, e.status == 0 ? 499 : e.status);
        }
        exchange = null;
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        gateway.log().debug("gateway connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        closeAll();
    }

    private void handle(Object msg) {
        if (msg instanceof HttpRequest request) {
            request(request);
        } else if (msg instanceof HttpContent content) {
            requestBody(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void request(HttpRequest request) {
        cancelHeadTimer();
        Exchange e = new Exchange(request, System.nanoTime(), clientAddress());
        exchange = e;
        GatewayException refused = check(request, e);
        if (refused != null) {
            answer(refused, request);
            return;
        }
        WorkspaceHost host = Objects.requireNonNull(e.host, "host");
        if (e.path.equals(ACCESS_PATH)) {
            redeem(request, host);
            return;
        }
        List<String> credentials = credentials(request.headers());
        if (credentials.isEmpty()) {
            answer(new GatewayException(GatewayProblem.UNAUTHORIZED, "no access session for workspace "
                    + host.workspaceId() + " on this browser or client"), request);
            return;
        }
        busy = true;
        gateway.routes().route(host.workspaceId()).whenComplete((route, error) -> onLoop(() -> {
            if (exchange != e || closing) {
                return;
            }
            if (error != null) {
                gateway.log().warn("gateway: cannot look up workspace {}: {}", host.workspaceId(), error.toString());
                answer(new GatewayException(GatewayProblem.UNAVAILABLE, "the hub cannot read its registry now", null,
                        Duration.ofSeconds(5)), request);
            } else {
                routed(request, e, route, credentials);
            }
        }));
    }

    /** The checks that need nothing but the request head; null when it passes. */
    private @Nullable GatewayException check(HttpRequest request, Exchange e) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException) {
                return new GatewayException(GatewayProblem.URI_TOO_LONG, "the request line is longer than the gateway "
                        + "accepts (" + GatewayServer.MAX_REQUEST_LINE_BYTES + " bytes)");
            }
            return cause instanceof TooLongFrameException
                    ? new GatewayException(GatewayProblem.REQUEST_HEADERS_TOO_LARGE, "the request headers are "
                    + "larger than the gateway accepts (" + gateway.properties().maxHeaderBytes() + " bytes)")
                    : new GatewayException(GatewayProblem.BAD_REQUEST, "the request is not valid HTTP/1.1");
        }
        HttpMethod method = request.method();
        if (method.equals(HttpMethod.CONNECT) || method.equals(HttpMethod.TRACE)) {
            return new GatewayException(GatewayProblem.METHOD_NOT_ALLOWED, method.name()
                    + " is not forwarded to workspaces");
        }
        if (!request.uri().startsWith("/") || request.uri().startsWith("//")) {
            return new GatewayException(GatewayProblem.BAD_REQUEST, "the request target must be a path "
                    + "(origin-form); absolute-form and asterisk-form targets are not forwarded");
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() != 1) {
            return new GatewayException(GatewayProblem.BAD_REQUEST, "a request needs exactly one Host header");
        }
        String header = hosts.get(0);
        WorkspaceHost host = bound != null && header.equals(boundHeader) ? bound
                : WorkspaceHost.parse(header, gateway.properties().appsDomain());
        if (host == null) {
            return new GatewayException(GatewayProblem.NOT_A_WORKSPACE_HOST, "this gateway serves only workspace hosts "
                    + "<workspace id>." + gateway.properties().appsDomain() + " and <port>--<workspace id>."
                    + gateway.properties().appsDomain());
        }
        WorkspaceHost current = bound;
        if (current != null && !current.equals(host)) {
            return new GatewayException(GatewayProblem.MISDIRECTED_REQUEST, "this connection serves " + current.host()
                    + "; open a new connection for " + host.host());
        }
        e.host = host;
        e.hostHeader = header;
        return null;
    }

    private void routed(HttpRequest request, Exchange e, @Nullable Route route, List<String> credentials) {
        WorkspaceHost host = Objects.requireNonNull(e.host, "host");
        if (route == null) {
            answer(new GatewayException(GatewayProblem.WORKSPACE_NOT_FOUND, "no workspace " + host.workspaceId()), request);
            return;
        }
        // The first credential that verifies counts: over plain http a sibling host can plant a
        // second cookie of the same name for the whole apps domain (cookie tossing).
        String denied = "no credential";
        for (String credential : credentials) {
            denied = gateway.access().verify(credential, route.workspaceId(), route.generation());
            if (denied == null) {
                break;
            }
        }
        if (denied != null) {
            gateway.log().debug("gateway: session refused for workspace {}: {}", route.workspaceId(), denied);
            answer(new GatewayException(GatewayProblem.UNAUTHORIZED, "the access session is not valid for workspace "
                    + route.workspaceId() + " (" + denied + ")"), request);
            return;
        }
        int port = route.port(host.port());
        if (port < 0) {
            answer(new GatewayException(GatewayProblem.PORT_NOT_EXPOSED, "workspace " + route.workspaceId()
                    + " does not expose port " + host.port()), request);
            return;
        }
        e.port = port;
        e.route = route;
        if (!route.running()) {
            String state = route.observed().name().toLowerCase(Locale.ROOT);
            answer(new GatewayException(GatewayProblem.WORKSPACE_NOT_RUNNING, "workspace " + route.workspaceId()
                    + " is " + state + (route.desired() == DesiredState.RUNNING ? ""
                    : " and not asked to run"), state, Duration.ofSeconds(5)), request);
            return;
        }
        Channel up = upstream;
        if (up != null && up.isActive()) {
            forward(request, e);
            return;
        }
        EventLoop tunnelLoop = gateway.dialer().tunnelLoop(route);
        if (tunnelLoop != null && tunnelLoop != context().channel().eventLoop()) {
            moveTo(tunnelLoop, () -> {
                if (exchange == e && !closing) {
                    dial(request, e, route, host, port);
                }
            });
        } else {
            dial(request, e, route, host, port);
        }
    }

    private void dial(HttpRequest request, Exchange e, Route route, WorkspaceHost host, int port) {
        ChannelHandlerContext c = context();
        gateway.dialer().dial(route, port, c.channel().eventLoop(), upstreamInitializer())
                .whenComplete((channel, error) -> onLoop(() -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        if (exchange == e && !closing) {
                            answer(cause instanceof GatewayException known ? known
                                    : new GatewayException(GatewayProblem.UPSTREAM_UNAVAILABLE, cause.toString()), request);
                        }
                        return;
                    }
                    if (exchange != e || closing) {
                        channel.close();
                        return;
                    }
                    if (!channel.isActive()) {
                        // Closed between its opening and now (its tunnel going away): nothing of the
                        // request went out on it, so it is dialled once more, or answered.
                        channel.close();
                        if (e.retried) {
                            answer(new GatewayException(GatewayProblem.UNAVAILABLE, "the connection to the workspace's "
                                    + "app closed as it opened, twice", null, Duration.ofSeconds(5)), request);
                        } else {
                            e.retried = true;
                            dial(request, e, route, host, port);
                        }
                        return;
                    }
                    upstream = channel;
                    bound = host;
                    boundHeader = e.hostHeader;
                    forward(request, e);
                }));
    }

    /**
     * Re-registers the client connection on {@code loop} (its workspace's tunnel connection's), then
     * runs {@code then} there. From then on the connection and its CONNECT streams share one
     * thread: bytes relay without a task hand-off per message, and the connection stays there for
     * its life (a keep-alive connection serves one workspace). Called while routing a request, when
     * nothing is read or scheduled on the connection but its idle timer, which is replaced on the
     * new loop. A loop that takes no channel (shutting down) leaves the connection where it was, and
     * {@code then} runs there: its dial answers for itself.
     */
    private void moveTo(EventLoop loop, Runnable then) {
        Channel ch = context().channel();
        EventLoop from = ch.eventLoop();
        ch.deregister().addListener(deregistered -> {
            if (!deregistered.isSuccess()) {
                gateway.log().debug("gateway connection from {}: cannot leave its event loop: {}", ch.remoteAddress(),
                        deregistered.cause().toString());
                closeAll();
                return;
            }
            loop.register(ch).addListener(registered -> {
                if (registered.isSuccess()) {
                    ch.pipeline().replace(IDLE, IDLE, GatewayServer.idleHandler(gateway.properties()));
                    onLoop(then);
                    return;
                }
                gateway.log().debug("gateway connection from {}: cannot join the tunnel's event loop, staying on its "
                        + "own: {}", ch.remoteAddress(), registered.cause().toString());
                from.register(ch).addListener(back -> {
                    if (back.isSuccess()) {
                        ch.pipeline().replace(IDLE, IDLE, GatewayServer.idleHandler(gateway.properties()));
                        onLoop(then);
                    } else {
                        // Both loops end: the hub is stopping, and the connection goes with it.
                        ch.close();
                    }
                });
            });
        });
    }

    /** Sends the head upstream, then what of the body was read meanwhile. */
    private void forward(HttpRequest request, Exchange e) {
        Channel up = upstream;
        if (up == null) {
            answer(new GatewayException(GatewayProblem.UPSTREAM_UNAVAILABLE, "the workspace's app closed the connection"),
                    request);
            return;
        }
        bound = e.host;
        boundHeader = e.hostHeader;
        rewrite(request, e);
        up.write(request);
        if (e.retried && e.requestDone) {
            // Sent again (see retriable): its body, empty, ended the first time.
            up.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        busy = false;
        while (!pending.isEmpty() && !busy && !raw && exchange == e && !e.requestDone) {
            handle(pending.poll());
        }
        up.flush();
        readUpstreamIfReady();
        readClientIfReady();
    }

    private void requestBody(HttpContent content) {
        Exchange e = exchange;
        Channel up = upstream;
        if (e == null || up == null) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            // A malformed chunk (size not hex, negative, past 2^63): what follows cannot be framed,
            // so neither the rest of this body nor anything after it is forwarded.
            content.release();
            gateway.log().debug("gateway connection from {}: malformed request body: {}", e.client,
                    content.decoderResult().cause().toString());
            if (e.status == 0) {
                answer(new GatewayException(GatewayProblem.BAD_REQUEST, "the request body is not valid HTTP/1.1 "
                        + "chunked encoding"), e.request);
            } else {
                e.outcome = "bad-request-body";
                closeAll();
            }
            return;
        }
        e.in += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        up.write(content);
        if (last) {
            e.requestDone = true;
            if (e.status == 0) {
                armResponseTimer(e);
            }
        }
    }

    private void redeem(HttpRequest request, WorkspaceHost host) {
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        List<String> codes = query.parameters().get("code");
        String code = codes == null || codes.size() != 1 ? null : codes.get(0);
        if (code == null || code.isEmpty() || code.length() > MAX_CODE_LENGTH) {
            answer(new GatewayException(GatewayProblem.UNAUTHORIZED, "the access link has no valid code"), request);
            return;
        }
        Exchange e = exchange();
        busy = true;
        gateway.access().redeem(code, host.workspaceId()).whenComplete((redeemed, error) -> onLoop(() -> {
            if (exchange != e || closing) {
                return;
            }
            if (error != null || redeemed == null) {
                if (error != null) {
                    gateway.log().warn("gateway: cannot redeem an access code for workspace {}: {}", host.workspaceId(),
                            error.toString());
                }
                answer(new GatewayException(GatewayProblem.UNAUTHORIZED, "the access link has expired or was used "
                        + "already; ask for a new one"), request);
                return;
            }
            e.status = 302;
            e.outcome = "signed-in";
            respondAndClose(GatewayAnswers.redirect(context().alloc(), redeemed.redirectPath(),
                    redeemed.setCookie()));
        }));
    }

    // ---- upstream side ------------------------------------------------------------------------------------------

    private ChannelInitializer<Channel> upstreamInitializer() {
        GatewayProperties p = gateway.properties();
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(UPSTREAM_CONTIGUOUS, ContiguousBuffers.INSTANCE);
                ch.pipeline().addLast(UPSTREAM_CODEC, new HttpClientCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(8192).setMaxHeaderSize(p.maxHeaderBytes()).setMaxChunkSize(64 * 1024),
                        false, false));
                ch.pipeline().addLast(new UpstreamHandler());
            }
        };
    }

    private void upstreamRead(Channel from, Object msg) {
        Exchange e = exchange;
        if (from != upstream || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ChannelHandlerContext c = context();
        if (raw || msg instanceof ByteBuf) {
            if (msg instanceof ByteBuf buf) {
                if (e != null) {
                    e.out += buf.readableBytes();
                }
                c.write(buf);
            } else {
                // The decoder's end of the 101 (an empty last content): nothing to send raw.
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (e == null) {
            // The app spoke without being asked: not HTTP/1.1 as the gateway knows it.
            ReferenceCountUtil.release(msg);
            gateway.log().debug("gateway: unsolicited bytes from the app of {}; closing", bound);
            closeAll();
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                upstreamFailed(e, "the workspace's app answered something that is not HTTP/1.1");
                return;
            }
            int status = response.status().code();
            if (status == 101 && e.upgrade) {
                cancelResponseTimer();
                e.status = 101;
                gateway.observer().webSocketOpened();
                c.writeAndFlush(response);
                switchToRaw();
                if (draining) {
                    // The gateway stopped while the app was accepting: the WebSocket ends as the others did.
                    flushAndClose();
                }
                return;
            }
            if (status >= 100 && status < 200) {
                c.write(response);
                return;
            }
            cancelResponseTimer();
            e.status = status;
            if (!HttpUtil.isKeepAlive(response)) {
                e.closeAfter = true;
            }
            if (e.closeAfter) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            // An app cannot replace or clear its visitors' gateway session.
            gateway.access().dropSessionCookies(response.headers());
            if (!(msg instanceof HttpContent)) {
                c.write(response);
                return;
            }
        }
        if (msg instanceof HttpContent content) {
            e.out += content.content().readableBytes();
            boolean last = content instanceof LastHttpContent;
            c.write(content);
            if (last) {
                finish(e);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void upstreamReadComplete(Channel from) {
        if (from == upstream && ctx != null) {
            context().flush();
            readUpstreamIfReady();
        }
    }

    private void upstreamWritable(Channel from) {
        if (from == upstream && from.isWritable()) {
            readClientIfReady();
        }
    }

    private void upstreamClosed(Channel from) {
        if (from != upstream) {
            return;
        }
        upstream = null;
        Exchange e = exchange;
        if (closing) {
            return;
        }
        if (raw || e != null && e.status != 0) {
            if (e != null && e.outcome == null && !raw) {
                e.outcome = "upstream-closed";
            }
            flushAndClose();
        } else if (e != null && !busy) {
            if (retriable(e)) {
                retry(e);
            } else {
                upstreamFailed(e, "the workspace's app closed the connection before it answered");
            }
        }
        // Idle keep-alive upstream gone: the next request dials again.
    }

    /**
     * Whether a request whose upstream closed before any byte of an answer may be sent again on a
     * new connection: once, and only an idempotent one (GET, HEAD, OPTIONS, RFC 9110 §9.2.2) with no
     * body, sent whole. It is how a keep-alive connection the app closed just as the request went
     * out, or a tunnel cut under the request (its agent moving to another hub), stays invisible.
     */
    private static boolean retriable(Exchange e) {
        return e.status == 0 && !e.retried && e.requestDone && e.in == 0 && e.route != null && e.host != null
                && IDEMPOTENT.contains(e.method);
    }

    private void retry(Exchange e) {
        e.retried = true;
        gateway.log().debug("gateway: the app of {} closed the connection before it answered {} {}; sending it once "
                + "more on a new connection", e.host, e.method, e.path);
        busy = true;
        dial(e.request, e, Objects.requireNonNull(e.route, "route"), Objects.requireNonNull(e.host, "host"), e.port);
    }

    private void upstreamFailed(Exchange e, String detail) {
        if (e.status == 0) {
            answer(new GatewayException(GatewayProblem.UPSTREAM_UNAVAILABLE, detail), e.request);
        } else {
            e.outcome = "upstream-failed";
            flushAndClose();
        }
    }

    /** The app switched protocols: both codecs leave, bytes pass as they are from now on. */
    private void switchToRaw() {
        raw = true;
        Channel up = upstream;
        ChannelHandlerContext c = context();
        if (up != null) {
            Runnable dropCodec = () -> {
                if (up.pipeline().get(UPSTREAM_CODEC) != null) {
                    up.pipeline().remove(UPSTREAM_CONTIGUOUS);
                    up.pipeline().remove(UPSTREAM_CODEC);
                }
            };
            if (up.eventLoop().inEventLoop()) {
                dropCodec.run();
            } else {
                up.eventLoop().execute(dropCodec);
            }
        }
        // Removing the server codec hands its undecoded bytes on as ByteBufs, raw.
        c.pipeline().remove(CODEC);
        pending.forEach(msg -> {
            if (msg instanceof ByteBuf && up != null) {
                up.write(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        });
        pending.clear();
        if (up != null) {
            up.flush();
        }
        readClientIfReady();
        readUpstreamIfReady();
    }

    // ---- end of an exchange -------------------------------------------------------------------------------------

    private void drain() {
        draining = true;
        if (closing) {
            return;
        }
        Exchange e = exchange;
        if (raw || e == null) {
            // A WebSocket ends with its connection (browsers reconnect, to another hub); an idle one has nothing to finish.
            closeAll();
            return;
        }
        e.closeAfter = true;
    }

    private void finish(Exchange e) {
        logExchange(e, e.status);
        exchange = null;
        if (e.closeAfter || !e.requestDone || draining) {
            flushAndClose();
            return;
        }
        context().flush();
        armHeadTimer();
        while (!pending.isEmpty() && !busy && !closing && (exchange == null || !exchange.requestDone)) {
            handle(pending.poll());
        }
        readClientIfReady();
    }

    private void answer(GatewayException failure, HttpRequest request) {
        Exchange e = exchange();
        e.status = failure.problem().status();
        e.outcome = failure.problem().slug();
        boolean html = GatewayAnswers.prefersHtml(request.headers().get(HttpHeaderNames.ACCEPT));
        respondAndClose(GatewayAnswers.problem(context().alloc(), failure, html));
    }

    private void respondAndClose(HttpObject response) {
        Exchange e = exchange;
        if (e != null) {
            logExchange(e, e.status);
        }
        busy = false;
        closing = true;
        cancelTimers();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
        ChannelHandlerContext c = context();
        c.writeAndFlush(response).addListener(f -> lingeringClose(c));
    }

    /**
     * Closes the connection after an answer the gateway made itself. Unread request bytes (a body
     * never forwarded, headers past the limit) would make the kernel reset the connection, and the
     * client could lose the answer with it: so the output is shut, and what the client still sends
     * is read and dropped until it closes, for {@value #LINGER_MILLIS} ms at most.
     */
    private void lingeringClose(ChannelHandlerContext c) {
        if (!(c.channel() instanceof DuplexChannel duplex) || !c.channel().isActive() || c.pipeline().get("tls") != null) {
            c.close();
            return;
        }
        duplex.shutdownOutput().addListener(f -> {
            c.executor().schedule(() -> {
                c.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
            c.read();
        });
    }

    private void flushAndClose() {
        closing = true;
        cancelTimers();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
        context().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void closeAll() {
        closing = true;
        cancelTimers();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
        context().close();
    }

    // ---- reading, timers ----------------------------------------------------------------------------------------

    private void readClientIfReady() {
        Channel up = upstream;
        if (!closing && !busy && pending.isEmpty() && (up == null || up.isWritable())) {
            context().read();
        }
    }

    private void readUpstreamIfReady() {
        Channel up = upstream;
        if (!closing && up != null && context().channel().isWritable()) {
            up.read();
        }
    }

    private void armHeadTimer() {
        cancelHeadTimer();
        ChannelHandlerContext c = context();
        headTimer = c.executor().schedule(() -> {
            if (exchange == null && !closing) {
                gateway.log().debug("gateway connection from {}: no request within {}", c.channel().remoteAddress(),
                        gateway.properties().requestHeaderTimeout());
                closeAll();
            }
        }, gateway.properties().requestHeaderTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void armResponseTimer(Exchange e) {
        cancelResponseTimer();
        responseTimer = context().executor().schedule(() -> {
            if (exchange == e && e.status == 0 && !closing) {
                answer(new GatewayException(GatewayProblem.UPSTREAM_TIMEOUT, "the workspace's app sent no response "
                        + "headers within " + gateway.properties().responseHeaderTimeout()), e.request);
            }
        }, gateway.properties().responseHeaderTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelHeadTimer() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    private void cancelResponseTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }

    private void cancelTimers() {
        cancelHeadTimer();
        cancelResponseTimer();
    }

    // ---- headers ------------------------------------------------------------------------------------------------

    /** The gateway's own credentials in the request: a bearer session token, then its session cookies. */
    private List<String> credentials(HttpHeaders headers) {
        List<String> found = new ArrayList<>(2);
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = authorization.substring(BEARER.length()).trim();
            if (gateway.access().isSessionToken(token)) {
                found.add(token);
            }
        }
        for (String cookie : headers.getAll(HttpHeaderNames.COOKIE)) {
            found.addAll(gateway.access().cookieValues(cookie));
            if (found.size() > MAX_CREDENTIALS) {
                return found.subList(0, MAX_CREDENTIALS);
            }
        }
        return found;
    }

    /**
     * The head as the app gets it: the gateway's cookie and bearer token removed, hop-by-hop
     * headers dropped (but those of an upgrade), forwarding headers rebuilt, {@code Host} kept.
     */
    private void rewrite(HttpRequest request, Exchange e) {
        HttpHeaders headers = request.headers();
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                && gateway.access().isSessionToken(authorization.substring(BEARER.length()).trim())) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        List<String> cookies = headers.getAll(HttpHeaderNames.COOKIE);
        if (!cookies.isEmpty()) {
            headers.remove(HttpHeaderNames.COOKIE);
            for (String cookie : cookies) {
                String kept = gateway.access().stripCookie(cookie);
                if (kept != null && !kept.isEmpty()) {
                    headers.add(HttpHeaderNames.COOKIE, kept);
                }
            }
        }
        if (!e.upgrade) {
            for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : connection.split(",")) {
                    String name = token.trim();
                    if (!name.isEmpty() && !name.equalsIgnoreCase("close") && !name.equalsIgnoreCase("keep-alive")) {
                        headers.remove(name);
                    }
                }
            }
            headers.remove(HttpHeaderNames.CONNECTION);
            headers.remove(HttpHeaderNames.UPGRADE);
        }
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove("Proxy-Connection");
        headers.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.TRAILER);
        headers.remove("Forwarded");
        headers.remove("X-Real-IP");
        headers.set("X-Forwarded-For", e.client);
        headers.set("X-Forwarded-Proto", gateway.properties().publicScheme());
        headers.set("X-Forwarded-Host", headers.get(HttpHeaderNames.HOST));
        headers.remove("X-Forwarded-Port");
        headers.remove("X-Forwarded-Prefix");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private void logExchange(Exchange e, int status) {
        if (e.logged) {
            return;
        }
        e.logged = true;
        gateway.exchanged(e.host == null ? null : e.host.workspaceId(), e.port, e.client, e.method, e.path, status,
                e.in, e.out, System.nanoTime() - e.startNanos, e.upgrade && status == 101, e.outcome);
    }

    private String clientAddress() {
        return ctx != null && ctx.channel().remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : "unknown";
    }

    private Exchange exchange() {
        Exchange e = exchange;
        if (e == null) {
            throw new IllegalStateException("no exchange in progress");
        }
        return e;
    }

    private ChannelHandlerContext context() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            throw new IllegalStateException("handler not added");
        }
        return c;
    }

    /**
     * Runs {@code task} on the client channel's event loop (at once when already there). A task
     * that throws closes the connection: it runs from futures' callbacks, which would swallow the
     * exception and leave the request hanging.
     */
    private void onLoop(Runnable task) {
        ChannelHandlerContext c = context();
        EventExecutor executor = c.executor();
        if (!executor.inEventLoop()) {
            // Checked again on arrival: the connection may have moved to another loop meanwhile.
            executor.execute(() -> onLoop(task));
            return;
        }
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            gateway.log().error("gateway connection from {}: unexpected failure; closing it", c.channel().remoteAddress(), e);
            closeAll();
        }
    }

    /** One request and its response, for routing state and the access log. */
    private static final class Exchange {
        final HttpRequest request;
        final long startNanos;
        final String client;
        final String method;
        final String path;
        final boolean upgrade;
        @Nullable WorkspaceHost host;
        @Nullable String hostHeader;
        @Nullable Route route;
        int port;
        /** Sent a second time, after its first upstream closed unanswered (see retriable). */
        boolean retried;
        long in;
        long out;
        int status;
        boolean requestDone;
        boolean closeAfter;
        boolean logged;
        @Nullable String outcome;

        Exchange(HttpRequest request, long startNanos, String client) {
            this.request = request;
            this.startNanos = startNanos;
            this.client = client;
            this.method = request.method().name();
            String uri = request.uri();
            int query = uri.indexOf('?');
            this.path = query < 0 ? uri : uri.substring(0, query);
            this.upgrade = request.headers().contains(HttpHeaderNames.UPGRADE)
                    && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
            this.closeAfter = !HttpUtil.isKeepAlive(request);
        }
    }

    /** Last handler of the upstream channel: hands every event to the client's event loop. */
    private final class UpstreamHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext upstreamCtx, Object msg) {
            Channel from = upstreamCtx.channel();
            onLoop(() -> upstreamRead(from, msg));
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext upstreamCtx) {
            Channel from = upstreamCtx.channel();
            onLoop(() -> upstreamReadComplete(from));
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext upstreamCtx) {
            Channel from = upstreamCtx.channel();
            onLoop(() -> upstreamWritable(from));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext upstreamCtx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                // The app closed its side: HTTP/1.1 has no use for a half-open connection.
                upstreamCtx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext upstreamCtx) {
            Channel from = upstreamCtx.channel();
            onLoop(() -> upstreamClosed(from));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext upstreamCtx, Throwable cause) {
            gateway.log().debug("gateway upstream {} failed: {}", upstreamCtx.channel(), cause.toString());
            upstreamCtx.close();
        }
    }
}
