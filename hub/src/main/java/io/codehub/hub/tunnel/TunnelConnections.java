package io.codehub.hub.tunnel;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;

import io.codehub.hub.agents.AgentConnection;
import io.codehub.hub.agents.AgentConnections;
import io.codehub.pki.Serials;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.spring.AgentTunnels;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import org.jspecify.annotations.Nullable;

/** The {@code connection} of tunnelled agents' views, read from their live session. */
public final class TunnelConnections implements AgentConnections {

    private final AgentTunnels tunnels;

    TunnelConnections(AgentTunnels tunnels) {
        this.tunnels = tunnels;
    }

    @Override
    public @Nullable AgentConnection of(String agentId, URI endpoint) {
        if (!TunnelClientHttpConnector.SCHEME.equalsIgnoreCase(endpoint.getScheme())) {
            return null;
        }
        return tunnels.session(agentId).filter(TunnelSession::isActive).map(session -> connected(session, null))
                .orElse(AgentConnection.DISCONNECTED);
    }

    /** The connection of a live session of this hub; {@code hub} names this hub among many, else null. */
    public static AgentConnection connected(TunnelSession session, @Nullable String hub) {
        Duration rtt = session.lastRtt();
        String address = session.remoteAddress().getAddress() == null
                ? session.remoteAddress().getHostString() + ":" + session.remoteAddress().getPort()
                : session.remoteAddress().getAddress().getHostAddress() + ":" + session.remoteAddress().getPort();
        AgentConnection.Certificate certificate = null;
        if (!session.peerCertificates().isEmpty()) {
            X509Certificate leaf = session.peerCertificates().get(0);
            certificate = new AgentConnection.Certificate(
                    Serials.hex(leaf),
                    leaf.getNotAfter().toInstant());
        }
        return new AgentConnection("connected", address, session.openedAt(),
                rtt == null ? null : rtt.toNanos() / 1_000_000.0, certificate, hub);
    }
}
