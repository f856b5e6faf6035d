package io.codehub.hub.support;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.hub.remote.AgentRuntimes;
import io.codehub.runtime.Runtime;

/** One {@link InMemoryRuntime} per agent id: the agents of a hub under test, without any network. */
public final class InMemoryAgents implements AgentRuntimes {

    private final Map<String, InMemoryRuntime> runtimes = new ConcurrentHashMap<>();

    @Override
    public Runtime runtime(String agentId, URI endpoint) {
        return of(agentId);
    }

    /** The runtime of {@code agentId}, created on first use. */
    public InMemoryRuntime of(String agentId) {
        return runtimes.computeIfAbsent(agentId, id -> new InMemoryRuntime());
    }
}
