package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * One pooled relay connection of a {@link RelayClient} to a peer hub: an HTTP/2 client connection,
 * {@code [TLS] budget, flush consolidation, codec (client role, no inbound streams), multiplexer,
 * keepalive, tail}. {@link #ready()} completes with the channel once streams may be opened on it
 * (TCP connected, TLS with ALPN {@code h2} done), and fails when it cannot be made.
 */
final class RelayConnection {

    private static final System.Logger LOG = System.getLogger(RelayConnection.class.getName());

    private final InetSocketAddress peer;
    private final EventLoop loop;
    private final String name;
    private final @Nullable SslContext sslContext;
    private final TunnelLimits limits;
    private final Keepalive keepalive;
    private final Ticker ticker;
    private final CompletableFuture<Channel> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile @Nullable Channel channel;
    private volatile long failedAtNanos;
    private volatile boolean failed;
    private volatile boolean goingAway;
    private volatile @Nullable Duration lastRtt;
    private volatile @Nullable Throwable closeCause;

    RelayConnection(InetSocketAddress peer, EventLoop loop, long id, @Nullable SslContext sslContext,
            TunnelLimits limits, Keepalive keepalive, Ticker ticker) {
        this.peer = peer;
        this.loop = loop;
        this.name = "relay:" + peer.getHostString() + ":" + peer.getPort() + ":" + id;
        this.sslContext = sslContext;
        this.limits = limits;
        this.keepalive = keepalive;
        this.ticker = ticker;
    }

    /** A connection that will never be made (the client is closed). */
    static RelayConnection failed(InetSocketAddress peer, EventLoop loop, String why) {
        RelayConnection c = new RelayConnection(peer, loop, 0, null, TunnelLimits.defaults(), Keepalive.RELAY,
                Ticker.systemTicker());
        c.connectFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CLOSED, null, true,
                "relay connection to " + peer + ": " + why, null));
        return c;
    }

    String name() {
        return name;
    }

    InetSocketAddress peer() {
        return peer;
    }

    EventLoop eventLoop() {
        return loop;
    }

    CompletableFuture<Channel> ready() {
        return ready;
    }

    CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    @Nullable Duration lastRtt() {
        return lastRtt;
    }

    boolean wasReady() {
        return ready.isDone() && !ready.isCompletedExceptionally();
    }

    /** Connecting, or open and not going away: streams may be opened (or will be, once connected). */
    boolean isUsable() {
        return !failed && !goingAway && !closeFuture.isDone();
    }

    /** Whether the pool keeps handing this connection out: usable, or failed within the backoff. */
    boolean reusable(long nowNanos, long backoffNanos) {
        if (isUsable()) {
            return true;
        }
        return failed && !wasReady() && nowNanos - failedAtNanos < backoffNanos;
    }

    /** Why it is not usable, for the failures of streams it cannot open. */
    TunnelConnectionException unusable(String operation) {
        if (goingAway && !closeFuture.isDone()) {
            return new TunnelConnectionException(TunnelConnectionException.Reason.GOING_AWAY, null, true,
                    operation + " on " + name + ": the peer hub sent GOAWAY", null);
        }
        Throwable cause = closeCause;
        return new TunnelConnectionException(wasReady() ? TunnelConnectionException.Reason.CLOSED
                : TunnelConnectionException.Reason.CONNECT_FAILED, null, true, operation + " on " + name + ": "
                + (wasReady() ? "relay connection closed" : "relay connection to " + peer + " could not be made")
                + (cause == null ? "" : ": " + cause.getMessage()), cause);
    }

    void connect(EventLoopGroup group, Duration connectTimeout) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(TunnelTransport.socketChannel(group))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Http2Pipelines.CONNECTION_WATER_MARK)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        SslContext ssl = sslContext;
                        if (ssl != null) {
                            p.addLast("tls", ssl.newHandler(ch.alloc(), peer.getHostString(), peer.getPort()));
                        }
                        p.addLast(ControlFrameBudget.NAME, new ControlFrameBudget(limits, Ticker.systemTicker()));
                        p.addLast(Http2Pipelines.FLUSH, Http2Pipelines.flushConsolidation());
                        p.addLast(Http2Pipelines.CODEC, Http2Pipelines.hubCodec(limits));
                        p.addLast(Http2Pipelines.MULTIPLEX, Http2Pipelines.hubMultiplexer());
                        p.addLast(new HubKeepaliveHandler(keepalive, rtt -> lastRtt = rtt));
                        p.addLast("relay-connection", new Tail());
                    }
                });
        ChannelFuture connecting = bootstrap.connect(peer);
        Channel ch = connecting.channel();
        channel = ch;
        ch.closeFuture().addListener(f -> closed());
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                connectFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CONNECT_FAILED, null,
                        true, "relay connection to " + peer + " failed: " + f.cause(), f.cause()));
            }
        });
    }

    private void connectFailed(Throwable cause) {
        if (closeCause == null) {
            closeCause = cause;
        }
        if (!ready.isDone()) {
            failedAtNanos = ticker.nanoTime();
            failed = true;
        }
        ready.completeExceptionally(cause);
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        } else {
            closeFuture.complete(null);
        }
    }

    private void closed() {
        if (!ready.isDone()) {
            connectFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CONNECT_FAILED, null,
                    true, "relay connection to " + peer + " closed before it was ready", closeCause));
        }
        closeFuture.complete(null);
    }

    /** GOAWAY, then close; completes when closed. */
    CompletableFuture<Void> close() {
        Channel ch = channel;
        if (ch == null) {
            closeFuture.complete(null);
        } else if (wasReady()) {
            GracefulClose.start(ch, TunnelProtocol.GOAWAY_CLOSED, Duration.ZERO);
        } else {
            ch.close();
        }
        return closeFuture;
    }

    @Override
    public String toString() {
        return "RelayConnection{" + name + (goingAway ? ", going away" : "") + (failed ? ", failed" : "")
                + (closeFuture.isDone() ? ", closed" : "") + '}';
    }

    /**
     * Tail of the pipeline: readiness (TCP, or TLS with ALPN {@code h2}), the connection window,
     * the peer's GOAWAY (no new streams; those above its last stream id were never processed), and
     * the connection-level frames nobody else wanted.
     */
    private final class Tail extends ChannelInboundHandlerAdapter {

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Http2Pipelines.widenConnectionWindow(ctx.channel(), limits);
            if (ctx.pipeline().get(SslHandler.class) == null) {
                ready.complete(ctx.channel());
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                SslHandler tls = ctx.pipeline().get(SslHandler.class);
                String protocol = tls == null ? null : tls.applicationProtocol();
                if (!handshake.isSuccess()) {
                    connectFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CONNECT_FAILED,
                            null, true, "TLS with " + peer + " failed: " + handshake.cause(), handshake.cause()));
                } else if (protocol != null && !ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    connectFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CONNECT_FAILED,
                            null, true, "TLS with " + peer + " negotiated ALPN " + protocol + " (expected: h2)", null));
                } else {
                    ready.complete(ctx.channel());
                }
            } else if (evt instanceof HubKeepaliveHandler.KeepaliveTimeout timeout) {
                LOG.log(System.Logger.Level.INFO, "{0}: no PING ACK within {1}, closing", name, timeout.waited());
                if (closeCause == null) {
                    closeCause = new TunnelConnectionException(TunnelConnectionException.Reason.LOST, name
                            + ": no PING ACK within " + timeout.waited(), null);
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame goAway) {
                goingAway = true;
                StreamChannelHandler.goAwayReceived(ctx.channel(), goAway.lastStreamId(), goAway.errorCode());
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, name + " failed", cause);
            if (closeCause == null) {
                closeCause = cause;
            }
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
                ctx.close();
            }
        }
    }
}
