package io.codehub.agent.tunnel;

import java.time.Duration;

import io.codehub.agent.tls.AgentCertificate;
import io.codehub.tunnel.ConnectRelay;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelConnectorBuilder;
import io.codehub.tunnel.TunnelObserver;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * The agent's dial-out door. Started once every bean is ready (after the direct listener), it
 * builds the application's {@link HttpHandler} (the same WebFlux pipeline the direct listener
 * serves), routes the hub's streams to it or to the CONNECT relay, and keeps a session to the hub
 * up until the context stops; it stops before the web server, sending the hub GOAWAY.
 */
final class AgentTunnel implements SmartLifecycle {

    /** After the web server starts ({@code DEFAULT_PHASE - 2048}), before its graceful shutdown ({@code - 1024}). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;
    /** How long calls in flight over the tunnel may run on when the agent shuts down. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private final TunnelConnectorBuilder connectorBuilder;
    private final ApplicationContext context;
    private final ManagedUpstreams upstreams;
    private final long maxBodyBytes;
    private final @Nullable AgentCertificate certificate;
    private final TunnelObserver relayObserver;
    private volatile @Nullable TunnelConnector connector;

    AgentTunnel(TunnelConnectorBuilder connectorBuilder, ApplicationContext context, ManagedUpstreams upstreams,
            long maxBodyBytes, @Nullable AgentCertificate certificate, TunnelObserver relayObserver) {
        this.connectorBuilder = connectorBuilder;
        this.relayObserver = relayObserver;
        this.certificate = certificate;
        this.context = context;
        this.upstreams = upstreams;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public synchronized void start() {
        if (connector != null) {
            return;
        }
        TunnelConnector started = connectorBuilder
                .streamHandlerFactory(new ConnectStreams(ConnectRelay.create(upstreams).withObserver(relayObserver), upstreams,
                        AgentStreams.agentApi(context, maxBodyBytes)))
                .build();
        upstreams.start();
        started.start();
        connector = started;
        if (certificate != null) {
            // a renewed certificate moves the tunnel to a new session; the hub replaces the old one
            certificate.startRenewal(started::refresh);
        }
    }

    @Override
    public void stop(Runnable callback) {
        TunnelConnector c;
        synchronized (this) {
            c = connector;
            connector = null;
        }
        if (certificate != null) {
            certificate.close();
        }
        if (c == null) {
            upstreams.stop();
            callback.run();
        } else {
            // GOAWAY first: the hub sends nothing new, and calls in flight finish (up to the grace).
            c.stop(SHUTDOWN_GRACE).whenComplete((v, error) -> {
                upstreams.stop();
                callback.run();
            });
        }
    }

    @Override
    public void stop() {
        stop(() -> { });
    }

    @Override
    public boolean isRunning() {
        return connector != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The connector while running, for health and tests. */
    @Nullable TunnelConnector connector() {
        return connector;
    }
}
