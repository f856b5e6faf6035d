package io.codehub.hub.remote;

import java.net.URI;

import io.codehub.runtime.Runtime;

/**
 * The {@link Runtime} of each agent, as the reconciler and the health checker use it. In the hub
 * that is always a {@link RemoteRuntime}; tests substitute an in-memory runtime.
 */
public interface AgentRuntimes {

    /** The runtime of the agent {@code agentId}, reached at {@code endpoint}. */
    Runtime runtime(String agentId, URI endpoint);
}
