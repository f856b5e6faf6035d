package io.codehub.agent.config;

import java.net.UnknownHostException;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import io.codehub.agent.auth.AgentTimeFilter;
import io.codehub.agent.auth.HubPublicKey;
import io.codehub.agent.auth.HubTokenVerifier;
import io.codehub.agent.auth.TokenRejectedException;
import io.codehub.pki.PkiException;
import io.codehub.runtime.Runtime;
import io.codehub.web.BearerTokenFilter;
import io.codehub.web.BodyLimitFilter;
import io.codehub.web.ConfigurationException;
import io.codehub.web.ProblemResponses;
import io.codehub.web.ProblemWebExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.reactive.ConfigurableReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the agent from {@link AgentProperties}, validating each value first: a bad value stops
 * start-up with a {@link ConfigurationException} naming the environment variable to change.
 */
@Configuration(proxyBeanMethods = false)
public class AgentConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AgentConfiguration.class);
    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,127}");
    /**
     * Reachable without a token (and, with {@code CODEHUB_AGENT_TLS_CLIENT_AUTH=require}, without the
     * hub's client certificate): the API document and the orchestrator probes, which reveal nothing.
     */
    public static final Set<String> OPEN_PATHS = Set.of("/openapi.yaml", "/actuator/health",
            "/actuator/health/liveness", "/actuator/health/readiness");

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    HubTokenVerifier hubTokenVerifier(AgentProperties properties, Clock clock) {
        String id = properties.id();
        if (id == null || id.isBlank()) {
            throw new ConfigurationException("CODEHUB_AGENT_ID", "not set",
                    "Set CODEHUB_AGENT_ID to the id the hub returned when this agent was registered "
                            + "(POST /api/v1/agents).");
        }
        if (!AGENT_ID.matcher(id).matches()) {
            throw new ConfigurationException("CODEHUB_AGENT_ID", "'" + id + "' is not an agent id",
                    "Use the id the hub assigned: letters, digits, '.' and '-', at most 128 characters.");
        }
        if (properties.hubPublicKey() == null) {
            throw new ConfigurationException("CODEHUB_AGENT_HUB_PUBLIC_KEY", "not set",
                    "Save the hub's public key (publicKeyPem of GET /api/v1/hub) to a file and point "
                            + "CODEHUB_AGENT_HUB_PUBLIC_KEY at it.");
        }
        ECPublicKey key;
        try {
            key = HubPublicKey.read(properties.hubPublicKey());
        } catch (PkiException | IllegalArgumentException e) {
            throw new ConfigurationException("CODEHUB_AGENT_HUB_PUBLIC_KEY",
                    "cannot use " + properties.hubPublicKey() + ": " + e.getMessage(),
                    "Point it at a readable PEM file holding the hub's EC P-256 public key "
                            + "(-----BEGIN PUBLIC KEY-----), as served by GET /api/v1/hub.", e);
        }
        AgentProperties.Auth auth = properties.auth();
        return new HubTokenVerifier(key, id, auth.clockSkew(), auth.maxTokenBytes(), auth.cacheSize(), clock);
    }

    /** The backend of {@code CODEHUB_AGENT_RUNTIME}, unless the application that embeds the agent registered its own. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(Runtime.class)
    Runtime runtime(AgentProperties properties) {
        return switch (properties.runtime()) {
            case "docker" -> DockerRuntimeSetup.create(properties);
            case "kubernetes" -> KubernetesRuntimeSetup.create(properties);
            default -> throw new ConfigurationException("CODEHUB_AGENT_RUNTIME",
                    "'" + properties.runtime() + "' is not supported",
                    "Set CODEHUB_AGENT_RUNTIME=docker (a Docker engine) or CODEHUB_AGENT_RUNTIME=kubernetes (a namespace).");
        };
    }

    @Bean("runtime-health")
    RuntimeReadiness runtimeReadiness(Runtime runtime) {
        return new RuntimeReadiness(runtime);
    }

    @Bean
    ProblemResponses problemResponses(JsonMapper json) {
        return new ProblemResponses(json);
    }

    @Bean
    @Order(-2) // ahead of Boot's DefaultErrorWebExceptionHandler (-1)
    ProblemWebExceptionHandler problemWebExceptionHandler(ProblemResponses problems) {
        return new ProblemWebExceptionHandler(problems, "agent", List.of());
    }

    /** First of all filters, so that every answer, a refusal too, carries the agent's clock. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    AgentTimeFilter agentTimeFilter(Clock clock) {
        return new AgentTimeFilter(clock);
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    BodyLimitFilter bodyLimitFilter(AgentProperties properties, ProblemResponses problems) {
        return new BodyLimitFilter(properties.maxBodyBytes(), problems);
    }

    /** After the body limit and the hub's client-certificate check ({@code HubIdentityFilter}, {@code + 1}). */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 2)
    BearerTokenFilter bearerTokenFilter(HubTokenVerifier verifier, ProblemResponses problems) {
        return new BearerTokenFilter(path -> !OPEN_PATHS.contains(path), token -> {
            try {
                verifier.verify(token);
                return null;
            } catch (TokenRejectedException e) {
                return e.getMessage();
            }
        }, "<hub-signed token>", problems);
    }

    @Bean
    WebFluxConfigurer bodyLimits(AgentProperties properties) {
        if (properties.maxBodyBytes() < 1024) {
            throw new ConfigurationException("CODEHUB_AGENT_MAX_BODY_BYTES", properties.maxBodyBytes() + " bytes",
                    "Use at least 1024.");
        }
        return new WebFluxConfigurer() {
            @Override
            public void configureHttpMessageCodecs(ServerCodecConfigurer configurer) {
                configurer.defaultCodecs().maxInMemorySize(properties.maxBodyBytes());
            }
        };
    }

    @Bean
    WebServerFactoryCustomizer<ConfigurableReactiveWebServerFactory> listenAddress(AgentProperties properties) {
        return factory -> {
            if (properties.listen() == null) {
                return;
            }
            if (AgentProperties.LISTEN_NONE.equalsIgnoreCase(properties.listen().trim())) {
                if (!properties.dialsOut()) {
                    throw new ConfigurationException("CODEHUB_AGENT_LISTEN", "'none' without CODEHUB_AGENT_HUB_URL",
                            "An agent needs at least one door: set CODEHUB_AGENT_HUB_URL to dial out to the hub, "
                                    + "or set CODEHUB_AGENT_LISTEN to host:port.");
                }
                // Boot's reactive web server cannot be switched off (server.port=-1 does not apply
                // to Netty), so "none" binds loopback on an ephemeral port: reachable by nobody else.
                factory.setAddress(java.net.InetAddress.getLoopbackAddress());
                factory.setPort(0);
                log.info("CODEHUB_AGENT_LISTEN=none: the Agent API is served over the tunnel only "
                        + "(the web server binds an ephemeral loopback port)");
                return;
            }
            ListenAddress listen;
            try {
                listen = ListenAddress.parse(properties.listen());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("CODEHUB_AGENT_LISTEN", e.getMessage(),
                        "Use host:port, e.g. 127.0.0.1:8081 (this host only) or 0.0.0.0:8081 (every interface), "
                                + "or none to serve only the tunnel (with CODEHUB_AGENT_HUB_URL).");
            }
            try {
                factory.setAddress(java.net.InetAddress.getByName(listen.host()));
            } catch (UnknownHostException e) {
                throw new ConfigurationException("CODEHUB_AGENT_LISTEN", "unknown host '" + listen.host() + "'",
                        "Use an address of this machine, e.g. 0.0.0.0.", e);
            }
            factory.setPort(listen.port());
        };
    }
}
