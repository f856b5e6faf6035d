package io.codehub.hub.cluster;

import java.net.URI;
import java.util.Optional;

import io.codehub.hub.agents.AgentConnection;
import io.codehub.hub.agents.AgentConnections;
import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.hub.tunnel.TunnelConnections;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import org.jspecify.annotations.Nullable;

/**
 * The {@code connection} of tunnelled agents' views among many hubs: read from the session when
 * this hub holds it, else from the registry row of the hub that does (no round-trip time then:
 * only the holder measures it).
 */
final class ClusterConnections implements AgentConnections {

    private final LiveTunnels local;
    private final Membership membership;

    ClusterConnections(LiveTunnels local, Membership membership) {
        this.local = local;
        this.membership = membership;
    }

    @Override
    public @Nullable AgentConnection of(String agentId, URI endpoint) {
        if (!TunnelClientHttpConnector.SCHEME.equalsIgnoreCase(endpoint.getScheme())) {
            return null;
        }
        Optional<TunnelSession> own = local.session(agentId).filter(TunnelSession::isActive);
        if (own.isPresent()) {
            return TunnelConnections.connected(own.get(), membership.hubId());
        }
        return membership.holder(agentId)
                .map(holder -> new AgentConnection("connected", holder.row().remoteAddress(),
                        holder.row().connectedAt(), null, null, holder.hub().id()))
                .orElse(AgentConnection.DISCONNECTED);
    }
}
