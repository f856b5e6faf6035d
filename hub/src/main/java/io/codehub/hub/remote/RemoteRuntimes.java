package io.codehub.hub.remote;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.runtime.Runtime;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * One {@link RemoteRuntime} per agent, built on first use with the connector its endpoint's scheme
 * selects, and rebuilt when the endpoint changes (an agent moved, or switched to the tunnel).
 */
public final class RemoteRuntimes implements AgentRuntimes {

    private final WebClient.Builder clients;
    private final AgentConnectors connectors;
    private final HubTokenIssuer tokens;
    private final RemoteCallPolicy policy;
    private final Map<String, RemoteRuntime> runtimes = new ConcurrentHashMap<>();

    /**
     * @param clients    a builder with the hub's JSON codecs; cloned for each agent
     * @param connectors the transports
     * @param tokens     the hub's token issuer
     * @param policy     timeouts and retries
     */
    public RemoteRuntimes(WebClient.Builder clients, AgentConnectors connectors, HubTokenIssuer tokens,
            RemoteCallPolicy policy) {
        this.clients = clients;
        this.connectors = connectors;
        this.tokens = tokens;
        this.policy = policy;
    }

    @Override
    public Runtime runtime(String agentId, URI endpoint) {
        return runtimes.compute(agentId, (id, current) ->
                current != null && current.endpoint().equals(endpoint) ? current : create(id, endpoint));
    }

    private RemoteRuntime create(String agentId, URI endpoint) {
        WebClient client = clients.clone()
                .baseUrl(endpoint.toString())
                .clientConnector(connectors.connector(endpoint))
                .build();
        return new RemoteRuntime(agentId, endpoint, client, tokens, policy);
    }
}
