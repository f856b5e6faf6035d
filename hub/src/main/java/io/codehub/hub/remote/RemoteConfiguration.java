package io.codehub.hub.remote;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLException;

import io.codehub.hub.config.HubProperties;
import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.identity.HubIdentity;
import io.codehub.hub.pki.HubPki;
import io.codehub.hub.tls.KeyFiles;
import io.codehub.web.ConfigurationException;
import io.micrometer.observation.ObservationRegistry;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.web.reactive.function.client.ExchangeStrategies;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/** Wires RemoteRuntime: the transports, the token issuer, and the hub's one JSON mapper on the wire. */
@Configuration(proxyBeanMethods = false)
public class RemoteConfiguration {

    /** Agent API bodies are small; a list of many instances is the largest. */
    private static final int MAX_AGENT_RESPONSE_BYTES = 16 * 1024 * 1024;

    @Bean(destroyMethod = "close")
    DirectAgentConnectors directAgentConnectors(HubProperties properties, TunnelProperties tunnel, HubPki pki) {
        return new DirectAgentConnectors(properties.remote().connectTimeout(), agentClientTls(tunnel, pki));
    }

    /**
     * TLS towards {@code https://} agents: with a CA, its trust bundle (agents' listener
     * certificates come from it) else the JDK's; with the hub's certificate
     * ({@code CODEHUB_HUB_TUNNEL_TLS_CERT}/{@code _KEY}, whose URI SAN {@code spiffe://codehub/hub}
     * is what agents with {@code CODEHUB_AGENT_TLS_CLIENT_AUTH=require} admit), that as the client
     * certificate. Null when neither is configured.
     */
    static @Nullable SslContext agentClientTls(TunnelProperties tunnel, HubPki pki) {
        if (!tunnel.tls() && !pki.enabled()) {
            return null;
        }
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (pki.enabled()) {
            builder.trustManager(pki.trustAnchors().toArray(X509Certificate[]::new));
        }
        try {
            if (tunnel.tls()) {
                KeyFiles.withClientKey(builder, tunnel.tlsCert(), tunnel.tlsKey());
            }
            return builder.build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_TLS_CERT", "cannot use " + tunnel.tlsCert()
                    + " as the hub's client certificate: " + e.getMessage(),
                    "Give a PEM certificate chain and its PEM (PKCS#8) private key.", e);
        }
    }

    /**
     * Every transport bean as one: http(s) directly (declared here), {@code tunnel://} through the
     * agent's tunnel session (declared by the tunnel package), in bean order.
     */
    @Bean
    @Primary
    CompositeAgentConnectors agentConnectors(ObjectProvider<AgentTransport> transports) {
        return new CompositeAgentConnectors(transports.orderedStream().toList());
    }

    /**
     * The agents' clock offsets; warned about past 30 s, the agents' default
     * {@code CODEHUB_AGENT_AUTH_CLOCK_SKEW} (beyond which they would refuse tokens in the hub's time).
     */
    @Bean
    AgentClocks agentClocks() {
        return new AgentClocks(Duration.ofSeconds(30));
    }

    @Bean
    HubTokenIssuer hubTokenIssuer(HubIdentity identity, HubProperties properties, Clock clock, AgentClocks clocks) {
        HubProperties.Remote remote = properties.remote();
        return new HubTokenIssuer(identity, remote.tokenTtl(), remote.tokenRenewBefore(), clock, clocks);
    }

    @Bean
    RemoteRuntimes agentRuntimes(JsonMapper json, AgentConnectors connectors, HubTokenIssuer tokens,
            HubProperties properties, ObjectProvider<ObservationRegistry> observations, AgentClocks clocks,
            Clock clock) {
        HubProperties.Remote remote = properties.remote();
        // Built once and shared by every agent's client: a builder's codecs() would build the whole
        // set again for each of them (a tenth of the hub's CPU while a fleet connects, and heap per agent).
        ExchangeStrategies strategies = ExchangeStrategies.builder().codecs(codecs -> {
            codecs.defaultCodecs().jacksonJsonDecoder(new JacksonJsonDecoder(json));
            codecs.defaultCodecs().jacksonJsonEncoder(new JacksonJsonEncoder(json));
            codecs.defaultCodecs().maxInMemorySize(MAX_AGENT_RESPONSE_BYTES);
        }).build();
        WebClient.Builder clients = WebClient.builder().exchangeStrategies(strategies);
        // Agent API calls by operation and outcome, with latency (docs/operations.md, Metrics).
        observations.ifAvailable(registry -> clients.observationRegistry(registry)
                .observationConvention(new AgentCallConvention()));
        return new RemoteRuntimes(clients, connectors, tokens,
                new RemoteCallPolicy(remote.callTimeout(), remote.maxRetries(), remote.retryBackoff(),
                        remote.retryMaxBackoff()),
                clocks, clock);
    }
}
