package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.codehub.base.Checks;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * Owner side of the hub-to-hub relay: listens for other hubs' relay connections and relays each of
 * their streams into a tunnel session of this hub, chosen by a {@link RelayHandler}.
 *
 * <h2>Connection</h2>
 * HTTP/2 with prior knowledge on a plaintext port (h2c, no upgrade), or over TLS whose server
 * context offers ALPN {@code h2}. This end is the HTTP/2 server, with the agent's settings and
 * limits from {@link TunnelLimits} (concurrent streams, header list size, frame size, stream window,
 * reset-rate limits each way, empty-DATA and CONTINUATION limits, the control-frame budget, flush
 * consolidation, a connection window widened to {@code maxConcurrentStreams * initialWindowSize}).
 * One relay connection carries the streams of many agents, so its limits default to
 * {@link #DEFAULT_LIMITS}.
 *
 * <h2>Streams</h2>
 * The handler sees each stream's request HEADERS. A refusal is answered with its status and an
 * {@code application/problem+json} body. A forwarded stream gets a stream on the target session
 * whose request HEADERS are the forwarder's minus every {@value #HEADER_PREFIX}{@code *} header;
 * a {@link StreamBridge} then relays frames both ways with back-pressure, and resets each way with
 * the same code. A target that cannot open the stream (closed, draining, full: the failure is
 * {@linkplain TunnelException#isUnprocessed() unprocessed}) gets the relayed stream reset with
 * {@code REFUSED_STREAM}, which tells the forwarder the agent never saw it.
 *
 * <h2>Lifecycle</h2>
 * {@link #start()} binds; {@link #drain(Duration)} stops accepting, sends GOAWAY
 * {@value TunnelProtocol#GOAWAY_DRAINING} on every connection (the server's two-step close of
 * {@link GracefulClose}) and closes each when its last stream ends or the grace runs out;
 * {@link #close()} does the same with no grace. An event loop group passed to the builder is not
 * shut down; the server's own is.
 */
public final class RelayServer {

    /** Prefix of the relay's own headers, stripped before a stream goes on to an agent. */
    public static final String HEADER_PREFIX = "codehub-relay-";
    /** Which agent a relayed stream is for (the lead's convention; the handler reads it). */
    public static final String AGENT_HEADER = "codehub-relay-agent";
    /** The forwarder's credential for a relayed stream; its format is the hub's. */
    public static final String AUTHORIZATION_HEADER = "codehub-relay-authorization";

    /**
     * {@link TunnelLimits#defaults()} with 16,384 concurrent streams and 10,000 control frames per
     * window: a relay connection carries every relayed stream between two hubs, and the resets of
     * all of their gateway clients.
     */
    public static final TunnelLimits DEFAULT_LIMITS = TunnelLimits.defaults().toBuilder()
            .maxConcurrentStreams(16_384)
            .maxControlFramesPerWindow(10_000)
            .build();

    private static final System.Logger LOG = System.getLogger(RelayServer.class.getName());

    private final InetSocketAddress bindAddress;
    private final @Nullable Supplier<SslContext> sslContext;
    private final RelayHandler handler;
    private final TunnelLimits limits;
    private final Keepalive keepalive;
    private final Duration connectIdleTimeout;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean draining;
    private volatile @Nullable Channel serverChannel;

    private RelayServer(Builder b) {
        this.bindAddress = Objects.requireNonNull(b.bindAddress, "bindAddress (required)");
        this.handler = Objects.requireNonNull(b.handler, "handler (required)");
        this.sslContext = b.sslContext;
        this.limits = b.limits;
        this.keepalive = b.keepalive;
        this.connectIdleTimeout = b.connectIdleTimeout;
        this.ownsGroup = b.eventLoopGroup == null;
        this.group = b.eventLoopGroup == null ? TunnelTransport.newEventLoopGroup(b.ioThreads) : b.eventLoopGroup;
    }

    /** A builder; {@link Builder#bindAddress} and {@link Builder#handler} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Binds; completes with the bound address (the real port when 0 was asked). */
    public CompletableFuture<InetSocketAddress> start() {
        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        new ServerBootstrap()
                .group(group)
                .channel(TunnelTransport.serverSocketChannel(group))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Http2Pipelines.CONNECTION_WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted(ch);
                    }
                })
                .bind(bindAddress)
                .addListener(f -> {
                    if (f.isSuccess()) {
                        Channel ch = ((ChannelFuture) f).channel();
                        serverChannel = ch;
                        bound.complete((InetSocketAddress) ch.localAddress());
                    } else {
                        bound.completeExceptionally(new TunnelException("bind relay port " + bindAddress, f.cause()));
                    }
                });
        return bound;
    }

    private void accepted(SocketChannel ch) {
        if (draining) {
            ch.close();
            return;
        }
        connections.add(ch);
        ch.closeFuture().addListener(f -> connections.remove(ch));
        InetSocketAddress peer = ch.remoteAddress();
        String name = "relay connection from " + peer;
        ChannelPipeline p = ch.pipeline();
        if (sslContext != null) {
            p.addLast("tls", sslContext.get().newHandler(ch.alloc()));
        }
        p.addLast("relay-idle", new AgentIdleHandler(keepalive.interval()));
        p.addLast(ControlFrameBudget.NAME, new ControlFrameBudget(limits, Ticker.systemTicker()));
        p.addLast(Http2Pipelines.FLUSH, Http2Pipelines.flushConsolidation());
        p.addLast(Http2Pipelines.CODEC, Http2Pipelines.agentCodec(limits));
        p.addLast(Http2Pipelines.MULTIPLEX, Http2Pipelines.agentMultiplexer(name, limits,
                new RelayStreams(handler, peer, name, connectIdleTimeout)));
        p.addLast("relay-connection", new ConnectionTail(limits, name));
    }

    /** The bound address, or null before {@link #start()} completed. */
    public @Nullable InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    /** Relay connections open now. */
    int connectionCount() {
        return connections.size();
    }

    /**
     * Stops accepting connections, sends GOAWAY {@value TunnelProtocol#GOAWAY_DRAINING} on each: its
     * open streams finish, new ones are refused, and it closes when its last stream ends or when
     * {@code grace} runs out; then the server closes. Completes when closed.
     */
    public CompletableFuture<Void> drain(Duration grace) {
        Checks.notNegative("grace", grace);
        return shutDown(TunnelProtocol.GOAWAY_DRAINING, grace);
    }

    /** Closes the port and every relay connection (GOAWAY first, no grace); completes when closed. */
    public CompletableFuture<Void> close() {
        return shutDown(TunnelProtocol.GOAWAY_CLOSED, Duration.ZERO);
    }

    private CompletableFuture<Void> shutDown(String reason, Duration grace) {
        draining = true;
        if (closing.get()) {
            return closed; // everything is closed already
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        Channel listener = serverChannel;
        if (listener != null) {
            pending.add(closeFuture(listener.close()));
        }
        for (Channel ch : List.copyOf(connections)) {
            GracefulClose.start(ch, reason, grace);
            pending.add(closeFuture(ch.closeFuture()));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
        all.whenComplete((v, e) -> {
            if (!closing.compareAndSet(false, true)) {
                return;
            }
            if (ownsGroup) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> closed.complete(null));
            } else {
                closed.complete(null);
            }
        });
        return closed;
    }

    private static CompletableFuture<Void> closeFuture(ChannelFuture future) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        future.addListener(f -> done.complete(null));
        return done;
    }

    @Override
    public String toString() {
        return "RelayServer{address=" + localAddress() + ", tls=" + (sslContext != null)
                + ", connections=" + connections.size() + '}';
    }

    /**
     * Tail of a relay connection's pipeline: widens the connection window once the codec sent its
     * preface, releases the connection-level frames nobody else wanted, and closes the connection
     * on an error that is not HTTP/2's (the codec ends those itself, with GOAWAY and its code).
     */
    private static final class ConnectionTail extends ChannelInboundHandlerAdapter {

        private final TunnelLimits limits;
        private final String name;

        ConnectionTail(TunnelLimits limits, String name) {
            this.limits = limits;
            this.name = name;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Http2Pipelines.widenConnectionWindow(ctx.channel(), limits);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, name + " failed", cause);
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
                ctx.close();
            }
        }
    }

    /**
     * Configures a {@link RelayServer}. Required: {@link #bindAddress} and {@link #handler}. Every
     * setter validates at once.
     */
    public static final class Builder {

        private @Nullable InetSocketAddress bindAddress;
        private @Nullable RelayHandler handler;
        private @Nullable Supplier<SslContext> sslContext;
        private TunnelLimits limits = DEFAULT_LIMITS;
        private Keepalive keepalive = Keepalive.RELAY;
        private Duration connectIdleTimeout = Duration.ofHours(ConnectRelay.DEFAULT_IDLE_HOURS);
        private @Nullable EventLoopGroup eventLoopGroup;
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());

        private Builder() {
        }

        /** Where to listen, e.g. {@code 10.0.0.5:7444}; port 0 picks a free port. */
        public Builder bindAddress(InetSocketAddress value) {
            bindAddress = Objects.requireNonNull(value, "bindAddress");
            return this;
        }

        /** Decides about every relayed stream; see {@link RelayHandler}. */
        public Builder handler(RelayHandler value) {
            handler = Objects.requireNonNull(value, "handler");
            return this;
        }

        /**
         * TLS, looked up for every accepted connection (so a renewed certificate applies to the next
         * one): a server context offering ALPN {@code h2}. Null (the default) means plaintext h2c.
         */
        public Builder sslContext(@Nullable Supplier<SslContext> value) {
            sslContext = value;
            return this;
        }

        /** HTTP/2 limits of every relay connection (default {@link RelayServer#DEFAULT_LIMITS}). */
        public Builder limits(TunnelLimits value) {
            limits = Objects.requireNonNull(value, "limits");
            return this;
        }

        /**
         * The forwarders' keepalive ({@link RelayClient.Builder#keepalive}): a relay connection on
         * which nothing arrived for {@value TunnelProtocol#AGENT_IDLE_INTERVALS} intervals is closed,
         * which resets its relayed streams (default {@link Keepalive#RELAY}).
         */
        public Builder keepalive(Keepalive value) {
            keepalive = Objects.requireNonNull(value, "keepalive");
            return this;
        }

        /**
         * Idle timeout of relayed CONNECT streams, on both sides of the bridge (default
         * {@value ConnectRelay#DEFAULT_IDLE_HOURS} h, the agent's own): they carry WebSockets that
         * may sit idle for hours, so the tunnel's stream idle timeout (minutes, meant for Agent API
         * calls) does not apply to them.
         */
        public Builder connectIdleTimeout(Duration value) {
            connectIdleTimeout = Checks.positive("connectIdleTimeout", value);
            return this;
        }

        /** Runs on this group, which {@link RelayServer#close()} leaves running (default: its own). */
        public Builder eventLoopGroup(@Nullable EventLoopGroup value) {
            eventLoopGroup = value;
            return this;
        }

        /** Threads of the server's own event loop group (default: one per processor). */
        public Builder ioThreads(int value) {
            ioThreads = Checks.positive("ioThreads", value);
            return this;
        }

        /**
         * A server, not yet bound (see {@link RelayServer#start()}).
         *
         * @throws NullPointerException when the bind address or the handler is missing
         */
        public RelayServer build() {
            return new RelayServer(this);
        }
    }
}
