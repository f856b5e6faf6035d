package io.codehub.hub.remote;

import java.net.URI;
import java.util.List;
import java.util.Objects;

import org.springframework.http.client.reactive.ClientHttpConnector;

/** Several transports as one: each endpoint goes to the first that supports its scheme. */
public final class CompositeAgentConnectors implements AgentConnectors {

    private final List<AgentConnectors> transports;

    public CompositeAgentConnectors(List<? extends AgentConnectors> transports) {
        this.transports = List.copyOf(Objects.requireNonNull(transports, "transports"));
    }

    @Override
    public boolean supports(URI endpoint) {
        return transports.stream().anyMatch(t -> t.supports(endpoint));
    }

    @Override
    public List<String> schemes() {
        return transports.stream().flatMap(t -> t.schemes().stream()).sorted().toList();
    }

    @Override
    public ClientHttpConnector connector(URI endpoint) {
        for (AgentConnectors transport : transports) {
            if (transport.supports(endpoint)) {
                return transport.connector(endpoint);
            }
        }
        throw new IllegalArgumentException("endpoint " + endpoint + ": scheme '" + endpoint.getScheme()
                + "' is not supported (expected one of: " + schemes() + ")");
    }
}
