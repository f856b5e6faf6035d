package io.codehub.hub.remote;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Agents the hub can open a connection to: {@code http://} and {@code https://} endpoints, all
 * through one Reactor Netty client and its connection pool. Idle pooled connections are dropped
 * quickly, so that a restarted agent is reached on a fresh connection.
 */
public final class DirectAgentConnectors implements AgentTransport, AutoCloseable {

    private static final List<String> SCHEMES = List.of("http", "https");

    private final ConnectionProvider connections;
    private final ReactorClientHttpConnector connector;
    private final ReactorClientHttpConnector secureConnector;

    public DirectAgentConnectors(Duration connectTimeout) {
        this(connectTimeout, null);
    }

    /**
     * @param tls for {@code https://} agents: what the hub trusts and, for agents that require it,
     *            the client certificate it presents (the hub's own, which carries its identity);
     *            null for the JDK's trust store and no client certificate
     */
    public DirectAgentConnectors(Duration connectTimeout, @Nullable SslContext tls) {
        this.connections = ConnectionProvider.builder("codehub-agents")
                .maxConnections(512)
                .pendingAcquireMaxCount(4096)
                .maxIdleTime(Duration.ofSeconds(20))
                .evictInBackground(Duration.ofSeconds(30))
                .build();
        HttpClient client = HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(connectTimeout.toMillis()))
                .followRedirect(false)
                .compress(false);
        this.connector = new ReactorClientHttpConnector(client);
        this.secureConnector = tls == null ? connector
                : new ReactorClientHttpConnector(client.secure(spec -> spec.sslContext(tls)));
    }

    @Override
    public boolean supports(URI endpoint) {
        return endpoint.getScheme() != null && SCHEMES.contains(endpoint.getScheme());
    }

    @Override
    public List<String> schemes() {
        return SCHEMES;
    }

    @Override
    public ClientHttpConnector connector(URI endpoint) {
        if (!supports(endpoint)) {
            throw new IllegalArgumentException("endpoint " + endpoint + ": scheme '" + endpoint.getScheme()
                    + "' is not supported (expected one of: " + SCHEMES + ")");
        }
        return "https".equals(endpoint.getScheme()) ? secureConnector : connector;
    }

    @Override
    public void close() {
        connections.dispose();
    }
}
