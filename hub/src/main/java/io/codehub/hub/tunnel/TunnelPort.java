package io.codehub.hub.tunnel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.codehub.hub.config.Listeners;
import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.identity.HubDrainStatus;
import io.codehub.tunnel.CloseReason;
import io.codehub.tunnel.HandshakeProblem;
import io.codehub.tunnel.TunnelAuthenticator;
import io.codehub.tunnel.TunnelEndpoint;
import io.codehub.tunnel.TunnelLimits;
import io.codehub.tunnel.TunnelListener;
import io.codehub.tunnel.TunnelObserver;
import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelServerBuilder;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelTransport;
import io.netty.channel.EventLoopGroup;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.SmartLifecycle;

/**
 * The hub's tunnel port, started and stopped with the application: binds
 * {@code CODEHUB_HUB_TUNNEL_ADDRESS:CODEHUB_HUB_TUNNEL_PORT} (TLS when a certificate and key are
 * configured, plaintext with a warning otherwise).
 *
 * <h2>Drain</h2>
 * {@link #drain()} ({@code POST /api/v1/hub/drain}, and shutdown, SIGTERM included, before the port
 * closes) turns the hub's readiness to {@code REFUSING_TRAFFIC} (its {@code /actuator/health/readiness}
 * answers 503, so a load balancer stops sending agents here; liveness stays up), refuses new tunnels
 * (503, Retry-After 1 s) and asks every agent to reconnect elsewhere: each opens a new session
 * (through the load balancer, on another hub) before it closes the one here, whose calls in flight
 * finish. Agents still here after {@code CODEHUB_HUB_TUNNEL_MOVE_GRACE}, and agents too old for the
 * request, get GOAWAY {@code draining} and {@code CODEHUB_HUB_TUNNEL_DRAIN_GRACE} for their open
 * streams; then the port closes.
 *
 * <h2>Event loops</h2>
 * The port's connections run on event loops the port keeps for the hub's life: a drain closes the
 * port but not them, and they end when the application context closes ({@link #close()}), after
 * every lifecycle stop. The workspace gateway moves its client connections onto a tunnel's loop
 * (one thread per connection and its CONNECT streams) and stops after this port does; loops that
 * ended with the drain closed those connections with nothing answered, and failed the gateway's own
 * drain.
 */
public final class TunnelPort implements SmartLifecycle, ApplicationEventPublisherAware, HubDrainStatus,
        AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TunnelPort.class);
    /** The prefix of the port's settings. */
    private static final String SETTINGS = "CODEHUB_HUB_TUNNEL";

    private final TunnelProperties properties;
    private final String hubId;
    private final TunnelAuthenticator authenticator;
    private final LiveTunnels tunnels;
    private final TunnelTls tls;
    private final @Nullable TunnelEndpoint enrolment;
    private volatile Consumer<String> connected = agentId -> { };
    private volatile TunnelObserver observer = TunnelObserver.NONE;
    private volatile Clock clock = Clock.systemUTC();
    private volatile @Nullable SessionEvents sessionEvents;
    private volatile @Nullable TunnelServer server;
    private volatile @Nullable ApplicationEventPublisher publisher;
    /** The running drain, once one started; completes when the port is closed. */
    private @Nullable CompletableFuture<Void> drained;
    /** The connections' event loops, made at the first start, ended by {@link #close()}. */
    private @Nullable EventLoopGroup loops;

    /**
     * @param tls       the port's TLS (plaintext when it has none)
     * @param enrolment served at {@code POST /v1/certificate} when given
     */
    public TunnelPort(TunnelProperties properties, String hubId, TunnelAuthenticator authenticator, LiveTunnels tunnels,
            TunnelTls tls, @Nullable TunnelEndpoint enrolment) {
        this.properties = properties;
        this.hubId = hubId;
        this.authenticator = authenticator;
        this.tunnels = tunnels;
        this.tls = tls;
        this.enrolment = enrolment;
    }

    @Override
    public void start() {
        InetSocketAddress bind = Listeners.bindAddress(SETTINGS, properties.address(), properties.port());
        TunnelServerBuilder builder = TunnelServer.builder()
                .bindAddress(bind)
                .eventLoopGroup(loops())
                .hubId(hubId)
                .authenticator(authenticator)
                .listener(new SessionLog(id -> connected.accept(id), () -> sessionEvents))
                .observer(observer)
                .clock(clock)
                .keepalive(properties.keepalive())
                .limits(TunnelLimits.defaults().toBuilder()
                        .failedAuthBurst(properties.failedAuthBurst())
                        .failedAuthRefillPeriod(properties.failedAuthRefill())
                        .handshakeTimeout(properties.handshakeTimeout())
                        .maxHandshakesPerAddress(properties.maxHandshakesPerAddress())
                        .maxHandshakes(properties.maxHandshakes())
                        .maxWaitingHandshakes(properties.maxWaitingHandshakes())
                        .handshakeWaitTimeout(properties.handshakeWait())
                        .build());
        if (tls.enabled()) {
            builder.sslContextSupplier(tls::current);
        }
        if (enrolment != null) {
            builder.endpoint("POST", CertificateEnrolment.PATH, CertificateEnrolment.MAX_CSR_BYTES, enrolment);
        }
        TunnelServer started = builder.build();
        InetSocketAddress bound = Listeners.awaitBound(started.start(), bind, SETTINGS, "tunnel port", started::close);
        server = started;
        tunnels.attach(started);
        if (!tls.enabled()) {
            log.warn("tunnel port {} ({}) is plaintext: agent API keys cross the network in the clear; set "
                    + "CODEHUB_HUB_TUNNEL_TLS_CERT and CODEHUB_HUB_TUNNEL_TLS_KEY outside loopback tests", bound,
                    TunnelTransport.name());
        } else {
            log.info("tunnel port {} ({}, TLS, client certificates: {}{})", bound, TunnelTransport.name(),
                    properties.clientAuth(), enrolment != null ? ", enrolment at " + CertificateEnrolment.PATH : "");
        }
    }

    /**
     * Starts draining (once; later calls return the same future): readiness {@code REFUSING_TRAFFIC},
     * no new tunnels, every agent asked to reconnect elsewhere, the rest drained with GOAWAY after
     * {@code CODEHUB_HUB_TUNNEL_MOVE_GRACE}. Completes when the port is closed, at the latest about
     * {@code CODEHUB_HUB_TUNNEL_MOVE_GRACE + CODEHUB_HUB_TUNNEL_DRAIN_GRACE} later.
     */
    public synchronized CompletableFuture<Void> drain() {
        CompletableFuture<Void> running = drained;
        if (running != null) {
            return running;
        }
        ApplicationEventPublisher events = publisher;
        if (events != null) {
            AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        }
        TunnelServer s = server;
        if (s == null) {
            running = CompletableFuture.completedFuture(null);
        } else {
            log.info("draining the tunnel port: asking {} agent(s) to reconnect elsewhere within {}, then GOAWAY "
                    + "with a grace of {}", s.sessions().size(), properties.moveGrace(), properties.drainGrace());
            running = s.drainElsewhere(properties.moveGrace(), properties.drainGrace()).whenComplete((v, e) -> {
                tunnels.attach(null);
                log.info("tunnel port drained and closed");
            });
        }
        drained = running;
        return running;
    }

    @Override
    public boolean draining() {
        return drained != null;
    }

    /** The tunnel sessions this hub holds now (0 once the port is closed). */
    public int sessions() {
        TunnelServer s = server;
        return s == null ? 0 : s.sessions().size();
    }

    /** How long agents get to move elsewhere in a drain ({@code CODEHUB_HUB_TUNNEL_MOVE_GRACE}). */
    public Duration moveGrace() {
        return properties.moveGrace();
    }

    /** How long streams still open after the move get ({@code CODEHUB_HUB_TUNNEL_DRAIN_GRACE}). */
    public Duration drainGrace() {
        return properties.drainGrace();
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher applicationEventPublisher) {
        publisher = applicationEventPublisher;
    }

    /** Drains (see {@link #drain()}), or waits for the drain under way, then reports the port stopped. */
    @Override
    public void stop(Runnable callback) {
        if (server == null) {
            callback.run();
            return;
        }
        drain().whenComplete((v, e) -> {
            server = null;
            callback.run();
        });
    }

    @Override
    public void stop() {
        stop(() -> { });
    }

    /**
     * Ends the connections' event loops (the application context closing, after every lifecycle
     * stop: the gateway's connections on them are closed by then).
     */
    @Override
    public synchronized void close() {
        EventLoopGroup group = loops;
        loops = null;
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private synchronized EventLoopGroup loops() {
        EventLoopGroup group = loops;
        if (group == null) {
            group = TunnelTransport.newEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()));
            loops = group;
        }
        return group;
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** Called with the agent id whenever a session opens (the health checker checks it soon). */
    public void onAgentConnected(Consumer<String> listener) {
        connected = listener;
    }

    /** Reports handshakes, round trips, stream resets and bytes to {@code value} (metrics); set before start. */
    public void observe(TunnelObserver value) {
        observer = value;
    }

    /**
     * The hub's clock, for the sessions' {@code openedAt} and the agents' clock offsets measured at
     * the handshake; the system's by default. Takes effect at {@link #start()}.
     */
    void clock(Clock value) {
        clock = value;
    }

    /** Records every session's opening and closing in the agents' history and the event log. */
    void recordSessions(SessionEvents value) {
        sessionEvents = value;
    }

    /** The bound address while running (the real port when 0 was configured). */
    public @Nullable InetSocketAddress localAddress() {
        TunnelServer s = server;
        return s == null ? null : s.localAddress();
    }

    private static final class SessionLog implements TunnelListener {
        private final Consumer<String> connected;
        private final Supplier<@Nullable SessionEvents> events;

        SessionLog(Consumer<String> connected, Supplier<@Nullable SessionEvents> events) {
            this.connected = connected;
            this.events = events;
        }

        @Override
        public void sessionOpened(TunnelSession session) {
            log.info("agent {} connected through the tunnel from {} (version {})", session.agentId(),
                    session.remoteAddress(), session.agentVersion());
            SessionEvents recorder = events.get();
            if (recorder != null) {
                recorder.opened(session);
            }
            connected.accept(session.agentId());
        }

        @Override
        public void sessionClosed(TunnelSession session, CloseReason reason, @Nullable Throwable cause) {
            log.info("agent {} tunnel session {} closed: {}{}", session.agentId(), session.sessionId(), reason.wire(),
                    cause == null ? "" : " (" + cause + ")");
            SessionEvents recorder = events.get();
            if (recorder != null) {
                recorder.closed(session, reason, cause);
            }
        }

        @Override
        public void handshakeRejected(SocketAddress remoteAddress, HandshakeProblem problem, String detail) {
            log.debug("tunnel handshake from {} rejected: {} {}", remoteAddress, problem, detail);
        }
    }
}
