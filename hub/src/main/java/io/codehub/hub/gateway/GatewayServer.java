package io.codehub.hub.gateway;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.hub.config.GatewayProperties;
import io.codehub.hub.config.Listeners;
import io.codehub.hub.schedule.Periodic;
import io.codehub.hub.tls.KeyFiles;
import io.codehub.hub.tls.ReloadableTls;
import io.codehub.tunnel.TunnelTransport;
import io.codehub.web.ConfigurationException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The gateway's listener ({@code CODEHUB_HUB_GATEWAY_PORT}): HTTP/1.1, with TLS when a
 * certificate is configured (ALPN offers {@code http/1.1} only; a certificate or key renewed in
 * place serves new connections from the next look at its files, every
 * {@code CODEHUB_HUB_GATEWAY_TLS_CHECK_INTERVAL}). Each connection gets a {@link GatewayHandler}. Past {@code maxConnections} open connections a new one is closed at
 * once, and so is one past {@code maxConnectionsPerAddress} from one client address. On stop the
 * listener closes first; an exchange in progress may finish within {@code CODEHUB_HUB_GATEWAY_DRAIN_GRACE},
 * its connection closing after it, while idle connections and WebSockets close at once (a WebSocket
 * ends with its TCP connection; browsers reconnect, to another hub behind a load balancer).
 */
public final class GatewayServer implements SmartLifecycle, io.codehub.hub.access.GatewayAddress {

    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    /** The prefix of the gateway's listener settings. */
    private static final String SETTINGS = "CODEHUB_HUB_GATEWAY";
    /** Longest request line (method, target, version); past it: 414. */
    static final int MAX_REQUEST_LINE_BYTES = 8192;
    /** After the tunnel port (which starts at the default phase) and before the web server stops. */
    private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private final GatewayProperties properties;
    private final Gateway gateway;
    private final AtomicInteger open = new AtomicInteger();
    private final ConnectionsPerAddress perAddress;
    private volatile @Nullable Channel server;
    private volatile @Nullable Disposable tlsChecks;
    private volatile @Nullable EventLoopGroup group;
    private volatile @Nullable ChannelGroup connections;

    GatewayServer(GatewayProperties properties, Gateway gateway) {
        this.properties = properties;
        this.gateway = gateway;
        this.perAddress = new ConnectionsPerAddress(properties.maxConnectionsPerAddress());
    }

    @Override
    public void start() {
        InetSocketAddress bind = Listeners.bindAddress(SETTINGS, properties.address(), properties.port());
        ReloadableTls tls = tls();
        EventLoopGroup loops = TunnelTransport.newEventLoopGroup(Math.max(2, java.lang.Runtime.getRuntime().availableProcessors()));
        ChannelGroup all = new DefaultChannelGroup("gateway", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops)
                .channel(TunnelTransport.serverSocketChannel(loops))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (open.incrementAndGet() > properties.maxConnections()) {
                            open.decrementAndGet();
                            log.warn("gateway: {} connections open (CODEHUB_HUB_GATEWAY_MAX_CONNECTIONS); refusing {}",
                                    properties.maxConnections(), ch.remoteAddress());
                            ch.close();
                            return;
                        }
                        InetAddress client = ch.remoteAddress() instanceof InetSocketAddress remote
                                ? remote.getAddress() : null;
                        if (client != null && !perAddress.tryOpen(client)) {
                            open.decrementAndGet();
                            log.debug("gateway: {} connections open from {} (CODEHUB_HUB_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS); "
                                    + "refusing another", properties.maxConnectionsPerAddress(), client.getHostAddress());
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> {
                            open.decrementAndGet();
                            if (client != null) {
                                perAddress.closed(client);
                            }
                        });
                        all.add(ch);
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.current().newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(GatewayHandler.IDLE, idleHandler(properties));
                        ch.pipeline().addLast(GatewayHandler.CODEC, new HttpServerCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
                                .setMaxHeaderSize(properties.maxHeaderBytes())
                                .setMaxChunkSize(64 * 1024)));
                        ch.pipeline().addLast("gateway", new GatewayHandler(gateway));
                    }
                });
        try {
            Channel bound = bootstrap.bind(bind).sync().channel();
            gateway.accessLog().start();
            server = bound;
            group = loops;
            connections = all;
            if (tls != null) {
                tlsChecks = Periodic.every(properties.tlsCheckInterval(), properties.tlsCheckInterval(),
                        () -> Mono.fromRunnable(tls::refresh).subscribeOn(Schedulers.boundedElastic()),
                        e -> log.warn("gateway TLS check failed: {}", e.toString()));
            }
            log.info("workspace gateway on {} ({}, {}), hosts <id>.{} and <port>--<id>.{}", bound.localAddress(),
                    tls != null ? "TLS" : "plaintext", TunnelTransport.name(), properties.appsDomain(),
                    properties.appsDomain());
        } catch (Exception e) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw Listeners.cannotListen(bind, SETTINGS, String.valueOf(e.getMessage()),
                    ", or CODEHUB_HUB_GATEWAY_ENABLED=false", e);
        }
    }

    private @Nullable ReloadableTls tls() {
        if (!properties.tls()) {
            return null;
        }
        try {
            return new ReloadableTls("gateway", List.of(properties.tlsCert(), properties.tlsKey()), () -> List.of(),
                    () -> KeyFiles.forServer(properties.tlsCert(), properties.tlsKey())
                            .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                    ApplicationProtocolNames.HTTP_1_1))
                            .build());
        } catch (Exception e) {
            throw new ConfigurationException("CODEHUB_HUB_GATEWAY_TLS_CERT", "cannot use "
                    + properties.tlsCert() + " and " + properties.tlsKey() + ": " + e.getMessage(),
                    "Point CODEHUB_HUB_GATEWAY_TLS_CERT at a PEM certificate chain and CODEHUB_HUB_GATEWAY_TLS_KEY at its "
                            + "PKCS#8 PEM key.", e);
        }
    }

    @Override
    public void stop() {
        Channel s = server;
        server = null;
        Disposable checks = tlsChecks;
        if (checks != null) {
            checks.dispose();
        }
        if (s == null) {
            gateway.accessLog().close();
            return;
        }
        s.close().syncUninterruptibly();
        ChannelGroup all = connections;
        if (all != null) {
            drain(all, properties.drainGrace());
        }
        EventLoopGroup loops = group;
        if (loops != null) {
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        gateway.accessLog().close(); // the lines of the exchanges that ended while draining
    }

    /**
     * Lets the exchanges in progress on {@code all} finish within {@code grace}, closing each
     * connection after its exchange (idle ones and WebSockets at once), then closes what is left.
     */
    private static void drain(ChannelGroup all, Duration grace) {
        if (all.isEmpty()) {
            return;
        }
        ChannelGroupFuture closed = all.newCloseFuture();
        log.info("workspace gateway stopping: {} connection(s) finish the exchange in progress within {}; idle ones and "
                + "WebSockets close now", all.size(), grace);
        for (Channel ch : all) {
            try {
                ch.pipeline().fireUserEventTriggered(GatewayHandler.DRAIN);
            } catch (IllegalStateException e) {
                // Between two event loops (moving to its tunnel's): closed with the rest after the grace.
            } catch (RejectedExecutionException e) {
                // On a loop that ended already: nothing more can happen on it.
                ch.close();
            }
        }
        if (!closed.awaitUninterruptibly(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            log.info("workspace gateway stopping: closing {} connection(s) still busy after {}", all.size(), grace);
        }
        all.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The bound address while running (the real port when 0 was configured). */
    /** The open client connections (a snapshot; for tests and diagnostics). */
    List<Channel> connections() {
        ChannelGroup all = connections;
        return all == null ? List.of() : List.copyOf(all);
    }

    public @Nullable InetSocketAddress localAddress() {
        Channel s = server;
        return s == null ? null : (InetSocketAddress) s.localAddress();
    }

    @Override
    public int boundPort() {
        InetSocketAddress address = localAddress();
        return address != null ? address.getPort() : properties.port();
    }

    /** Open gateway connections now. */
    public int openConnections() {
        return open.get();
    }

    /** Closes a connection with no traffic either way for {@code CODEHUB_HUB_GATEWAY_IDLE_TIMEOUT}. */
    static IdleStateHandler idleHandler(GatewayProperties properties) {
        return new IdleStateHandler(0, 0, properties.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
}
