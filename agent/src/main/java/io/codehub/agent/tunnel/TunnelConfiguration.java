package io.codehub.agent.tunnel;

import java.time.Clock;
import java.time.Duration;
import java.util.Random;

import io.codehub.agent.AgentApplication;
import io.codehub.agent.config.AgentProperties;
import io.codehub.agent.tls.AgentCertificate;
import io.codehub.runtime.Runtime;
import io.codehub.tunnel.HttpProxy;
import io.codehub.tunnel.TicketStore;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelConnectorBuilder;
import io.codehub.tunnel.TunnelObserver;
import io.codehub.web.ConfigurationException;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import reactor.core.scheduler.Schedulers;

/**
 * Wires the tunnel door when {@code CODEHUB_AGENT_HUB_URL} is set; without it the agent is
 * exactly as before. Settings are validated here, at start-up, with errors naming the variable.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@Conditional(TunnelConfiguration.DialsOut.class)
public class TunnelConfiguration {

    /** How often the CONNECT policy re-lists the agent's instances, and how long a list is trusted. */
    static final Duration UPSTREAMS_REFRESH = Duration.ofSeconds(5);
    static final Duration UPSTREAMS_MAX_AGE = Duration.ofSeconds(15);
    static final Duration UPSTREAMS_MIN_SPACING = Duration.ofSeconds(1);
    /** How old the backend version sent at a handshake may be before the backend is asked again. */
    static final Duration DESCRIPTION_MAX_AGE = Duration.ofMinutes(1);
    /** Repeated connect failures are logged at WARN at most this often. */
    static final Duration WARN_EVERY = Duration.ofMinutes(1);

    @Bean
    AgentTunnel agentTunnel(AgentProperties properties, Runtime runtime, ApplicationContext context, Environment environment,
            ObjectProvider<Clock> clock, ObjectProvider<MeterRegistry> meters) {
        TunnelSettings settings = TunnelSettings.from(properties);
        if (settings == null) {
            throw new IllegalStateException("TunnelConfiguration active without CODEHUB_AGENT_HUB_URL");
        }
        // Metrics (docs/operations.md): the meters see every connector event first, then the log.
        ConnectionLog connectionLog = new ConnectionLog(settings.hubUri(), WARN_EVERY, System::nanoTime);
        MeterRegistry registry = meters.getIfAvailable();
        TunnelMeters tunnelMeters = registry == null ? null : new TunnelMeters(registry, connectionLog);
        TunnelConnectorBuilder builder = TunnelConnector.builder()
                .hubUri(settings.hubUri())
                .apiKey(settings.apiKey())
                .agentVersion(AgentApplication.version())
                .description(new HandshakeDescription(runtime, DESCRIPTION_MAX_AGE, System::nanoTime)::describe)
                // Tickets are kept in memory: they spare the hub a bcrypt per reconnect, which is what
                // matters after a hub restart; an agent restart presents its API key once.
                .ticketStore(TicketStore.inMemory())
                .listener(tunnelMeters == null ? connectionLog : tunnelMeters);
        HttpProxy proxy;
        try {
            proxy = HttpProxy.fromEnvironment(environment::getProperty);
            builder.proxy(proxy);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("HTTPS_PROXY", String.valueOf(e.getMessage()),
                    "Use http://[user:password@]host:port for the proxy the agent dials the hub through, or unset it.", e);
        }
        AgentCertificate certificate = null;
        if ("tls".equals(settings.hubUri().getScheme())) {
            // the client certificate (CODEHUB_AGENT_TLS_DIR, enrolled or not) and the trust for the hub
            certificate = AgentCertificate.open(properties, settings.hubUri(), settings.apiKey(), proxy,
                    clock.getIfAvailable(Clock::systemUTC), new Random());
            builder.sslContextSupplier(certificate::tunnelSslContext);
        }
        ManagedUpstreams upstreams = new ManagedUpstreams(runtime, UPSTREAMS_REFRESH, UPSTREAMS_MAX_AGE,
                UPSTREAMS_MIN_SPACING, Schedulers.parallel(), System::nanoTime);
        return new AgentTunnel(builder, context, upstreams, properties.maxBodyBytes(), certificate,
                tunnelMeters == null ? TunnelObserver.NONE : tunnelMeters);
    }

    /** Matches when {@code CODEHUB_AGENT_HUB_URL} ({@code codehub.agent.hub-url}) is set and not blank. */
    static final class DialsOut implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String value = context.getEnvironment().getProperty("codehub.agent.hub-url");
            return value != null && !value.isBlank();
        }
    }
}
