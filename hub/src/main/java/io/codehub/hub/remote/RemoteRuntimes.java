package io.codehub.hub.remote;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.base.AgentTime;
import io.codehub.runtime.Runtime;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * One {@link RemoteRuntime} per agent, built on first use with the connector its endpoint's scheme
 * selects, and rebuilt when the endpoint changes (an agent moved, or switched to the tunnel).
 * Every answer's {@value AgentTime#HEADER} is handed to {@link AgentClocks}, timed with the hub's
 * clock around the call.
 */
public final class RemoteRuntimes implements AgentRuntimes {

    private final WebClient.Builder clients;
    private final AgentConnectors connectors;
    private final HubTokenIssuer tokens;
    private final RemoteCallPolicy policy;
    private final AgentClocks clocks;
    private final Clock clock;
    private final Map<String, RemoteRuntime> runtimes = new ConcurrentHashMap<>();

    /**
     * @param clients    a builder with the hub's JSON codecs; cloned for each agent
     * @param connectors the transports
     * @param tokens     the hub's token issuer
     * @param policy     timeouts and retries
     */
    public RemoteRuntimes(WebClient.Builder clients, AgentConnectors connectors, HubTokenIssuer tokens,
            RemoteCallPolicy policy) {
        this(clients, connectors, tokens, policy, new AgentClocks(Duration.ofSeconds(30)), Clock.systemUTC());
    }

    /**
     * @param clocks where the agents' clock offsets are kept (the issuer's, for tokens in the agents' time)
     * @param clock  the hub's clock
     */
    public RemoteRuntimes(WebClient.Builder clients, AgentConnectors connectors, HubTokenIssuer tokens,
            RemoteCallPolicy policy, AgentClocks clocks, Clock clock) {
        this.clients = clients;
        this.connectors = connectors;
        this.tokens = tokens;
        this.policy = policy;
        this.clocks = clocks;
        this.clock = clock;
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
                .filter(agentTime(agentId))
                .build();
        return new RemoteRuntime(agentId, endpoint, client, tokens, policy);
    }

    /** Hands each answer's agent time, with the hub's send and receive times, to {@link AgentClocks}. */
    private ExchangeFilterFunction agentTime(String agentId) {
        return (request, next) -> Mono.defer(() -> {
            long sent = clock.millis();
            return next.exchange(request).doOnNext(response -> {
                Long agentMillis = AgentTime.parse(response.headers().asHttpHeaders().getFirst(AgentTime.HEADER));
                if (agentMillis != null) {
                    clocks.recordCall(agentId, agentMillis, sent, clock.millis());
                }
            });
        });
    }
}
