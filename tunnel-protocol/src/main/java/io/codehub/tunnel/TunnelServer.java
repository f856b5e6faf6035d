package io.codehub.tunnel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.codehub.base.Checks;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * Hub side of the tunnel: listens on the tunnel port, runs the upgrade handshake and holds one
 * {@link TunnelSession} per connected agent.
 *
 * <h2>Lifecycle</h2>
 * {@link #start()} binds; {@link #drain(Duration)} stops admitting agents (503 with
 * Retry-After), sends GOAWAY {@value TunnelProtocol#GOAWAY_DRAINING} to every session, lets open
 * streams finish within the grace period, then closes; {@link #drainElsewhere(Duration, Duration)}
 * first asks every agent to reconnect elsewhere and close its session itself once it has a new one
 * (make-before-break), and drains only what is left after that; {@link #close()} closes at once (GOAWAY
 * {@value TunnelProtocol#GOAWAY_CLOSED} first). Each of these closes is the HTTP/2 codec's graceful
 * close: GOAWAY, then the codec closes the connection when its last stream ends or the grace runs
 * out. An event loop group passed to the builder is not shut down; the server's own is.
 */
public final class TunnelServer {

    /**
     * Retry-After of the 503 that handshakes get during {@link #drainElsewhere}: short, so an agent
     * that the load balancer still routes here tries again soon, by then perhaps elsewhere.
     */
    public static final Duration MOVE_RETRY_AFTER = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(TunnelServer.class.getName());

    private final InetSocketAddress bindAddress;
    private final @Nullable Supplier<SslContext> sslContext;
    private final ServerContext context;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    /**
     * Accepts connections, on a thread of its own: a fleet reconnecting at once arrives in thousands
     * while every event loop is busy with TLS handshakes, and an accept that waits behind them leaves
     * the kernel's listen backlog to overflow (SYNs dropped, agents waiting out retransmissions).
     */
    private final EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("codehub-tunnel-accept", true), TunnelTransport.ioHandlerFactory());
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final HandshakeQueue<Channel> handshakes;
    private volatile @Nullable Channel serverChannel;

    TunnelServer(TunnelServerBuilder b) {
        this.bindAddress = b.bindAddress;
        this.sslContext = b.sslContext;
        this.context = new ServerContext(b.hubId, b.limits, b.keepalive, b.authenticator, b.listener, b.observer,
                new FailedAuthRateLimiter(b.limits.failedAuthBurst(), b.limits.failedAuthRefillPeriod(), b.ticker),
                b.clock, b.unavailableRetryAfter, b.replacedSessionGrace, b.endpoints);
        this.ownsGroup = b.eventLoopGroup == null;
        this.group = ownsGroup
                ? TunnelTransport.newEventLoopGroup(b.ioThreads)
                : b.eventLoopGroup;
        this.handshakes = new HandshakeQueue<>(context.handshakes, b.limits.maxWaitingHandshakes(),
                b.limits.handshakeWaitTimeout().toNanos(), b.ticker::nanoTime, new Handshakes());
    }

    public static TunnelServerBuilder builder() {
        return new TunnelServerBuilder();
    }

    /** Binds the tunnel port; completes with the bound address (the real port when 0 was asked). */
    public CompletableFuture<InetSocketAddress> start() {
        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        new ServerBootstrap()
                .group(acceptor, group)
                .channel(TunnelTransport.serverSocketChannel(group))
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Http2Pipelines.CONNECTION_WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        handshakes.accepted(ch);
                    }
                })
                .bind(bindAddress)
                .addListener(f -> {
                    if (f.isSuccess()) {
                        Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                        serverChannel = ch;
                        // With as many connections waiting as the queue holds, accept nothing: more
                        // wait in the listen backlog, and are accepted as waiting ones start (HandshakeQueue).
                        handshakes.watch(() -> ch.eventLoop().execute(() -> {
                            boolean accepting = !handshakes.full();
                            if (ch.config().isAutoRead() != accepting) {
                                LOG.log(System.Logger.Level.DEBUG, accepting ? "accepting connections again"
                                        : "{0} connections wait for a handshake slot: accepting no more until one starts",
                                        context.limits.maxWaitingHandshakes());
                                ch.config().setAutoRead(accepting);
                            }
                        }));
                        bound.complete((InetSocketAddress) ch.localAddress());
                    } else {
                        bound.completeExceptionally(new TunnelException("bind tunnel port " + bindAddress, f.cause()));
                    }
                });
        return bound;
    }

    /** The bound address, or null before {@link #start()} completed. */
    public @Nullable InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    /** Connections accepted and not yet answered 101 (or closed), from all addresses. */
    int handshakesInProgress() {
        return context.handshakes.inProgress();
    }

    /** Connections accepted and waiting for a handshake slot. */
    int handshakesWaiting() {
        return handshakes.waiting();
    }

    /** The live session of {@code agentId}, if it is connected to this hub. */
    public Optional<TunnelSession> session(String agentId) {
        return context.registry.find(agentId);
    }

    /** A snapshot of the live sessions. */
    public Collection<TunnelSession> sessions() {
        return List.copyOf(context.registry.all());
    }

    public boolean isDraining() {
        return context.draining();
    }

    /**
     * Drains: new handshakes answered 503, GOAWAY {@value TunnelProtocol#GOAWAY_DRAINING} to every
     * session, each closed by its HTTP/2 codec when its last stream ends or when {@code grace} runs
     * out; then the server closes. Completes when closed.
     */
    public CompletableFuture<Void> drain(Duration grace) {
        Checks.notNegative("grace", grace);
        context.startDraining();
        List<CompletableFuture<Void>> sessionsClosed = new ArrayList<>();
        for (DefaultTunnelSession session : context.registry.all()) {
            sessionsClosed.add(session.drain(TunnelProtocol.GOAWAY_DRAINING, CloseReason.HUB_SHUTDOWN, grace));
        }
        LOG.log(System.Logger.Level.DEBUG, "draining {0} session(s), grace {1}", sessionsClosed.size(), grace);
        CompletableFuture.allOf(sessionsClosed.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> close());
        return closed;
    }

    /**
     * Drains by moving the agents elsewhere, make-before-break: new handshakes are answered 503 with
     * a Retry-After of {@link #MOVE_RETRY_AFTER} (an agent the load balancer still sends here comes
     * back soon), and every session gets the "reconnect elsewhere" request
     * ({@value TunnelProtocol#RECONNECT_METHOD} {@value TunnelProtocol#RECONNECT_PATH}). An agent that
     * accepts it connects anew while its session here keeps serving, then closes this one itself with
     * GOAWAY {@value TunnelProtocol#GOAWAY_MOVED}, its open streams finishing first (the listener hears
     * {@link CloseReason#MOVED}). A session whose agent does not accept it (an older agent), and every
     * session still open {@code moveGrace} after this call, is drained as {@link #drain(Duration)}
     * does: GOAWAY {@value TunnelProtocol#GOAWAY_DRAINING}, its open streams get {@code closeGrace}.
     * Then the server closes. Completes when closed, at the latest about
     * {@code moveGrace + closeGrace} after the call.
     */
    public CompletableFuture<Void> drainElsewhere(Duration moveGrace, Duration closeGrace) {
        Checks.notNegative("moveGrace", moveGrace);
        Checks.notNegative("closeGrace", closeGrace);
        if (closing.get()) {
            return closed; // closing or closed already: nothing left to move
        }
        context.startDraining(MOVE_RETRY_AFTER);
        List<DefaultTunnelSession> sessions = List.copyOf(context.registry.all());
        List<CompletableFuture<Void>> sessionsClosed = new ArrayList<>();
        for (DefaultTunnelSession session : sessions) {
            sessionsClosed.add(session.closeFuture());
            ReconnectRequest.send(session, moveGrace).thenAccept(accepted -> {
                if (!accepted) {
                    LOG.log(System.Logger.Level.DEBUG, "agent {0} did not accept the reconnect request: draining "
                            + "session {1}", session.agentId(), session.sessionId());
                    session.drain(TunnelProtocol.GOAWAY_DRAINING, CloseReason.HUB_SHUTDOWN, closeGrace);
                }
            });
        }
        LOG.log(System.Logger.Level.DEBUG, "asking {0} agent(s) to reconnect elsewhere, move grace {1}, close grace {2}",
                sessions.size(), moveGrace, closeGrace);
        CompletableFuture<Void> allClosed = CompletableFuture.allOf(sessionsClosed.toArray(CompletableFuture[]::new));
        ScheduledFuture<?> deadline = group.schedule(() -> {
            for (DefaultTunnelSession session : sessions) {
                if (!session.closeFuture().isDone()) {
                    session.drain(TunnelProtocol.GOAWAY_DRAINING, CloseReason.HUB_SHUTDOWN, closeGrace);
                }
            }
        }, moveGrace.toNanos(), TimeUnit.NANOSECONDS);
        allClosed.whenComplete((v, e) -> {
            deadline.cancel(false);
            close();
        });
        return closed;
    }

    /** Closes the port and every session (GOAWAY first); completes when everything is closed. */
    public CompletableFuture<Void> close() {
        if (!closing.compareAndSet(false, true)) {
            return closed;
        }
        context.startDraining();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        Channel ch = serverChannel;
        if (ch != null) {
            CompletableFuture<Void> unbound = new CompletableFuture<>();
            ch.close().addListener(f -> {
                handshakes.closeAll(); // none accepted after this
                unbound.complete(null);
            });
            pending.add(unbound);
        }
        for (DefaultTunnelSession session : context.registry.all()) {
            pending.add(session.close(TunnelProtocol.GOAWAY_CLOSED, CloseReason.HUB_SHUTDOWN));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(a -> {
                if (ownsGroup) {
                    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> closed.complete(null));
                } else {
                    closed.complete(null);
                }
            });
        });
        return closed;
    }

    /**
     * Starts the handshake of an accepted channel: TLS (when configured), the HTTP codec and the
     * upgrade handler, on the channel's event loop. A channel that waited for its slot is active
     * already (no {@code channelActive} comes), so its first read is asked for here.
     */
    private final class Handshakes implements HandshakeQueue.Connections<Channel> {

        @Override
        public InetAddress source(Channel connection) {
            return ((InetSocketAddress) connection.remoteAddress()).getAddress();
        }

        @Override
        public boolean isOpen(Channel connection) {
            return connection.isActive();
        }

        @Override
        public void start(Channel connection, Runnable release, boolean waited) {
            if (connection.eventLoop().inEventLoop()) {
                init(connection, release, waited);
            } else {
                connection.eventLoop().execute(() -> init(connection, release, waited));
            }
        }

        private void init(Channel ch, Runnable release, boolean waited) {
            ch.closeFuture().addListener(f -> release.run());
            if (!ch.isActive()) {
                return; // closed while it waited: its slot goes to the next one
            }
            ChannelPipeline p = ch.pipeline();
            if (context.observer != TunnelObserver.NONE) {
                p.addLast(ByteCountingHandler.NAME, new ByteCountingHandler(context.observer));
            }
            if (sslContext != null) {
                p.addLast("tls", sslContext.get().newHandler(ch.alloc()));
            }
            p.addLast(ServerHandshakeHandler.HTTP_CODEC, new HttpServerCodec(new HttpDecoderConfig()
                    .setMaxInitialLineLength(ServerHandshakeHandler.MAX_INITIAL_LINE)
                    .setMaxHeaderSize(context.limits.maxHandshakeHeaderBytes())));
            p.addLast("handshake", new ServerHandshakeHandler(context, release));
            if (waited) {
                ch.read();
            }
        }

        @Override
        public void close(Channel connection) {
            // Before TLS and before any byte is read: nothing to answer with, and nothing spent.
            LOG.log(System.Logger.Level.DEBUG, "closing a connection from {0} before its handshake: its address "
                    + "holds {1} connections in or waiting for a handshake, it waited longer than {2} for a slot, "
                    + "or the server is closing",
                    connection.remoteAddress(), context.limits.maxHandshakesPerAddress(),
                    context.limits.handshakeWaitTimeout());
            connection.close();
        }
    }

    @Override
    public String toString() {
        return "TunnelServer{hubId=" + context.hubId + ", address=" + localAddress()
                + ", tls=" + (sslContext != null) + ", sessions=" + context.registry.size() + '}';
    }
}
