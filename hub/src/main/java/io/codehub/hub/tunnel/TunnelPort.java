package io.codehub.hub.tunnel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.codehub.hub.config.TunnelProperties;
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
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The hub's tunnel port, started and stopped with the application: binds
 * {@code CODEHUB_HUB_TUNNEL_ADDRESS:CODEHUB_HUB_TUNNEL_PORT} (TLS when a certificate and key are
 * configured, plaintext with a warning otherwise); on shutdown it drains (GOAWAY {@code draining},
 * open streams get {@code CODEHUB_HUB_TUNNEL_DRAIN_GRACE}) and closes.
 */
public final class TunnelPort implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TunnelPort.class);
    private static final long BIND_TIMEOUT_SECONDS = 30;

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
        InetSocketAddress bind;
        try {
            bind = new InetSocketAddress(InetAddress.getByName(properties.address()), properties.port());
        } catch (IOException e) {
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_ADDRESS", "'" + properties.address()
                    + "' is not an address: " + e.getMessage(), "Set CODEHUB_HUB_TUNNEL_ADDRESS to an IP address.", e);
        }
        TunnelServerBuilder builder = TunnelServer.builder()
                .bindAddress(bind)
                .hubId(hubId)
                .authenticator(authenticator)
                .listener(new SessionLog(id -> connected.accept(id), () -> sessionEvents))
                .observer(observer)
                .clock(clock)
                .limits(TunnelLimits.defaults().toBuilder()
                        .failedAuthBurst(properties.failedAuthBurst())
                        .failedAuthRefillPeriod(properties.failedAuthRefill())
                        .handshakeTimeout(properties.handshakeTimeout())
                        .maxHandshakesPerAddress(properties.maxHandshakesPerAddress())
                        .build());
        if (tls.enabled()) {
            builder.sslContextSupplier(tls::current);
        }
        if (enrolment != null) {
            builder.endpoint("POST", CertificateEnrolment.PATH, CertificateEnrolment.MAX_CSR_BYTES, enrolment);
        }
        TunnelServer started = builder.build();
        try {
            InetSocketAddress bound = started.start().get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            server = started;
            tunnels.attach(started);
            if (!tls.enabled()) {
                log.warn("tunnel port {} is plaintext: agent API keys cross the network in the clear; set "
                        + "CODEHUB_HUB_TUNNEL_TLS_CERT and CODEHUB_HUB_TUNNEL_TLS_KEY outside loopback tests", bound);
            } else {
                log.info("tunnel port {} (TLS, client certificates: {}{})", bound, properties.clientAuth(),
                        enrolment != null ? ", enrolment at " + CertificateEnrolment.PATH : "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.close();
            throw new IllegalStateException("interrupted while binding the tunnel port " + bind, e);
        } catch (ExecutionException | TimeoutException e) {
            started.close();
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_PORT", "cannot listen on " + bind + ": "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(),
                    "Free that port, or set CODEHUB_HUB_TUNNEL_PORT (and CODEHUB_HUB_TUNNEL_ADDRESS) to one this "
                            + "host can bind.", e);
        }
    }

    @Override
    public void stop(Runnable callback) {
        TunnelServer s = server;
        server = null;
        if (s == null) {
            callback.run();
            return;
        }
        log.info("draining the tunnel port: {} session(s), grace {}", s.sessions().size(), properties.drainGrace());
        s.drain(properties.drainGrace()).whenComplete((v, e) -> {
            tunnels.attach(null);
            callback.run();
        });
    }

    @Override
    public void stop() {
        stop(() -> { });
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
