package io.codehub.tunnel.spring;

import java.util.Optional;

import io.codehub.tunnel.TunnelSession;

/**
 * The live tunnel sessions of this hub, by agent id: what {@link TunnelClientHttpConnector} and
 * the agents API look at. Empty for an agent that is not connected (or before the tunnel port is
 * up).
 */
@FunctionalInterface
public interface AgentTunnels {

    /** The live session of {@code agentId}, if it is connected to this hub. */
    Optional<TunnelSession> session(String agentId);
}
