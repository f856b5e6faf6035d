package io.codehub.agent.metrics;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import io.codehub.agent.AgentApplication;
import io.codehub.web.ConfigurationException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The agent's build info gauge and, when {@code CODEHUB_AGENT_MANAGEMENT_PORT} is set, its scrape port. */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

    /** {@code codehub_build_info{version}}, always 1. */
    @Bean
    MeterBinder buildInfo() {
        return registry -> Gauge.builder("codehub.build.info", () -> 1)
                .description("The agent's version; always 1")
                .tag("version", AgentApplication.version())
                .register(registry);
    }

    @Bean
    @ConditionalOnProperty(prefix = "codehub.agent.management", name = "port")
    MetricsPort metricsPort(ManagementProperties properties, PrometheusMeterRegistry registry) {
        Integer port = properties.port();
        if (port == null || port < 0 || port > 65_535) {
            throw new ConfigurationException("CODEHUB_AGENT_MANAGEMENT_PORT", port + " is not a port",
                    "Set CODEHUB_AGENT_MANAGEMENT_PORT to a TCP port (0 picks a free one), or unset it.");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(properties.address());
        } catch (UnknownHostException e) {
            throw new ConfigurationException("CODEHUB_AGENT_MANAGEMENT_ADDRESS", "'" + properties.address()
                    + "' is not an address", "Set CODEHUB_AGENT_MANAGEMENT_ADDRESS to an IP address such as 127.0.0.1.", e);
        }
        return new MetricsPort(new InetSocketAddress(address, port), registry);
    }
}
