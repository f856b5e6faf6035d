package io.codehub.hub.cluster;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

import io.codehub.hub.config.Listeners;
import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.tunnel.RelayDecision;
import io.codehub.tunnel.RelayProblem;
import io.codehub.tunnel.RelayServer;
import io.codehub.tunnel.TunnelSession;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The hub's relay listener ({@code CODEHUB_HUB_INTERNAL_ADDRESS:CODEHUB_HUB_INTERNAL_PORT}): other
 * hubs send it the streams of agents whose tunnel this hub holds. A stream needs a valid
 * {@link RelayTokens} token and names its agent; it goes into that agent's session here, or is
 * refused unprocessed when this hub holds none (the forwarder's registry was stale), never
 * forwarded again. Started with the tunnel port, drained after it.
 */
final class RelayPort implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RelayPort.class);
    /** The prefix of the listener's settings. */
    private static final String SETTINGS = "CODEHUB_HUB_INTERNAL";

    private final String bindAddress;
    private final int port;
    private final LiveTunnels local;
    private final RelayTokens tokens;
    private final Duration drainGrace;
    private volatile @Nullable RelayServer server;

    RelayPort(String bindAddress, int port, LiveTunnels local, RelayTokens tokens, Duration drainGrace) {
        this.bindAddress = bindAddress;
        this.port = port;
        this.local = local;
        this.tokens = tokens;
        this.drainGrace = drainGrace;
    }

    @Override
    public void start() {
        InetSocketAddress bind = Listeners.bindAddress(SETTINGS, bindAddress, port);
        RelayServer started = RelayServer.builder().bindAddress(bind).handler(this::decide).build();
        InetSocketAddress bound = Listeners.awaitBound(started.start(), bind, SETTINGS, "relay listener",
                started::close);
        server = started;
        log.info("relay listener {} (plaintext h2c: keep it on the hubs' private network)", bound);
    }

    private RelayDecision decide(Http2Headers headers, InetSocketAddress peer) {
        String hub = tokens.verify(headers.get(RelayServer.AUTHORIZATION_HEADER));
        if (hub == null) {
            log.warn("relay stream from {} refused: no valid {} token", peer, RelayServer.AUTHORIZATION_HEADER);
            return RelayDecision.refuse(RelayProblem.UNAUTHORIZED,
                    "a relayed stream needs a valid hub token in " + RelayServer.AUTHORIZATION_HEADER);
        }
        CharSequence agentId = headers.get(RelayServer.AGENT_HEADER);
        if (agentId == null) {
            return RelayDecision.refuse(RelayProblem.MALFORMED,
                    "a relayed stream names its agent in " + RelayServer.AGENT_HEADER);
        }
        Optional<TunnelSession> session = local.session(agentId.toString()).filter(TunnelSession::isActive);
        if (session.isEmpty()) {
            log.debug("relay stream from hub {} for agent {} refused: no session here", hub, agentId);
            // 503, not 404: to the forwarder's Agent API call this is "agent unavailable", which it retries
            // (the registry moves on within a renewal), never "not found".
            return RelayDecision.refuse(RelayProblem.UNAVAILABLE, "no tunnel session of agent " + agentId
                    + " on this hub (it moved, or is reconnecting)");
        }
        return RelayDecision.forward(session.get());
    }

    @Override
    public void stop(Runnable callback) {
        RelayServer s = server;
        server = null;
        if (s == null) {
            callback.run();
            return;
        }
        s.drain(drainGrace).whenComplete((v, e) -> callback.run());
    }

    @Override
    public void stop() {
        stop(() -> { });
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** Starts after the membership (it needs the lease's view) and stops before it. */
    @Override
    public int getPhase() {
        return Membership.PHASE + 1;
    }
}
