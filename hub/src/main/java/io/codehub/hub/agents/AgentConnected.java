package io.codehub.hub.agents;

/**
 * An application event: agent {@code agentId} has just opened a session with this hub (the tunnel
 * port publishes it), so what the hub knows of its health is stale and worth checking now.
 *
 * @param agentId the agent that connected
 */
public record AgentConnected(String agentId) {
}
