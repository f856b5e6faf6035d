package io.codehub.hub.agents;

import java.net.URI;

import org.jspecify.annotations.Nullable;

/**
 * The live connection of an agent that reaches the hub through the tunnel; null for agents the hub
 * calls directly (their view has no {@code connection}).
 */
@FunctionalInterface
public interface AgentConnections {

    /** Agents without a connection at all (no tunnel). */
    AgentConnections NONE = (agentId, endpoint) -> null;

    /** The connection of agent {@code agentId} registered at {@code endpoint}, or null when it has no tunnel. */
    @Nullable AgentConnection of(String agentId, URI endpoint);
}
