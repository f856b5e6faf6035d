package io.codehub.hub.remote;

/**
 * One way of reaching agents, for the endpoint schemes it {@linkplain #schemes() names}: direct
 * HTTP(S) here, {@code tunnel://} in the tunnel package. Every {@code AgentTransport} bean joins
 * the hub's one {@link AgentConnectors} ({@link CompositeAgentConnectors}), so a new transport is
 * a new bean and never a change in this package.
 */
public interface AgentTransport extends AgentConnectors {
}
