package io.codehub.hub.tunnel;

import java.util.Collection;
import java.util.Optional;

import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.spring.AgentTunnels;
import org.jspecify.annotations.Nullable;

/**
 * The sessions of the hub's tunnel port once it is up ({@link TunnelPort} attaches its server);
 * no session at all before that. Kept apart from the port so that the transports can be built
 * before the port, whose authenticator needs the agent registry, which needs the transports.
 */
public final class LiveTunnels implements AgentTunnels {

    private volatile @Nullable TunnelServer server;

    @Override
    public Optional<TunnelSession> session(String agentId) {
        TunnelServer s = server;
        return s == null ? Optional.empty() : s.session(agentId);
    }

    /** Every live session; none while the port is down. */
    public Collection<TunnelSession> sessions() {
        TunnelServer s = server;
        return s == null ? java.util.List.of() : s.sessions();
    }

    void attach(@Nullable TunnelServer value) {
        server = value;
    }
}
