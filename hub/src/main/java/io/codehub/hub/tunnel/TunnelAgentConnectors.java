package io.codehub.hub.tunnel;

import java.net.URI;
import java.util.List;

import io.codehub.hub.remote.AgentTransport;
import io.codehub.tunnel.spring.AgentTunnels;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpConnector;

/** Agents reached through their tunnel session: endpoints {@code tunnel://<agent id>}. */
public final class TunnelAgentConnectors implements AgentTransport {

    private static final List<String> SCHEMES = List.of(TunnelClientHttpConnector.SCHEME);

    private final TunnelClientHttpConnector connector;

    public TunnelAgentConnectors(AgentTunnels tunnels) {
        this.connector = new TunnelClientHttpConnector(tunnels);
    }

    @Override
    public boolean supports(URI endpoint) {
        return TunnelClientHttpConnector.SCHEME.equalsIgnoreCase(endpoint.getScheme());
    }

    @Override
    public List<String> schemes() {
        return SCHEMES;
    }

    @Override
    public ClientHttpConnector connector(URI endpoint) {
        if (!supports(endpoint)) {
            throw new IllegalArgumentException("endpoint " + endpoint + ": scheme '" + endpoint.getScheme()
                    + "' is not supported (expected: tunnel)");
        }
        return connector;
    }
}
