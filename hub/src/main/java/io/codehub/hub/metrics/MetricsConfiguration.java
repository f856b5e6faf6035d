package io.codehub.hub.metrics;

import java.time.Clock;
import java.time.Duration;

import io.codehub.hub.HubApplication;
import io.codehub.hub.admin.AdminToken;
import io.codehub.hub.config.MetricsProperties;
import io.codehub.hub.remote.AgentClocks;
import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.web.BearerTokenFilter;
import io.codehub.web.ProblemResponses;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Wires the hub's metrics: the observers of the other packages, the gauges, the scrape token, the
 * latency buckets and Reactor Netty's server metrics. The meters are listed in
 * {@code docs/operations.md}.
 */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

    /** Where Prometheus scrapes. */
    static final String SCRAPE_PATH = "/actuator/prometheus";
    /** The Agent API call observation of {@code io.codehub.hub.remote}, for its latency buckets. */
    static final String AGENT_API_CALLS = "codehub.agent.api.calls";

    @Bean
    TunnelMeters tunnelMeters(MeterRegistry registry) {
        return new TunnelMeters(registry);
    }

    @Bean
    TunnelGauges tunnelGauges(LiveTunnels tunnels, Clock clock, MeterRegistry registry) {
        return new TunnelGauges(tunnels, clock, registry);
    }

    @Bean
    FleetGauges fleetGauges(DatabaseClient db, MetricsProperties properties, MeterRegistry registry) {
        return new FleetGauges(db, properties.refreshInterval(), registry);
    }

    @Bean
    ReconcileMeters reconcileMeters(MeterRegistry registry) {
        return new ReconcileMeters(registry);
    }

    @Bean
    HealthMeters healthMeters(MeterRegistry registry) {
        return new HealthMeters(registry);
    }

    @Bean
    GatewayMeters gatewayMeters(MeterRegistry registry) {
        return new GatewayMeters(registry);
    }

    /** {@code codehub_build_info{version}}, always 1. */
    @Bean
    MeterBinder buildInfo() {
        return registry -> Gauge.builder("codehub.build.info", () -> 1)
                .description("The hub's version; always 1")
                .tag("version", HubApplication.version())
                .register(registry);
    }

    /**
     * {@code codehub_agents_clock_skewed}: agents whose clock is further from the hub's than the
     * warning threshold (30 s), as last measured; never labelled by agent (the agents API shows each
     * agent's {@code clockOffsetMillis}).
     */
    @Bean
    MeterBinder agentClockGauge(AgentClocks clocks) {
        return registry -> Gauge.builder("codehub.agents.clock.skewed", clocks, AgentClocks::skewedAgents)
                .description("Agents whose clock is more than " + clocks.warnAbove().toSeconds()
                        + " s off the hub's (their tokens are minted in their time)")
                .register(registry);
    }

    /**
     * Latency buckets of the Agent API calls (a timer Spring's WebClient observation makes), and no
     * in-flight timer for them: it is tagged before the call has its operation.
     */
    @Bean
    MeterFilter agentCallBuckets() {
        return new MeterFilter() {
            @Override
            public MeterFilterReply accept(Meter.Id id) {
                return id.getName().equals(AGENT_API_CALLS + ".active") ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
            }

            @Override
            public @Nullable DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() == Meter.Type.TIMER && id.getName().equals(AGENT_API_CALLS)) {
                    return DistributionStatisticConfig.builder()
                            .serviceLevelObjectives(toNanos(Durations.BUCKETS))
                            .build()
                            .merge(config);
                }
                return config;
            }
        };
    }

    private static double[] toNanos(Duration[] durations) {
        double[] nanos = new double[durations.length];
        for (int i = 0; i < durations.length; i++) {
            nanos[i] = durations[i].toNanos();
        }
        return nanos;
    }

    /** Reactor Netty's own server metrics ({@code reactor_netty_http_server_*}) with a bounded {@code uri}. */
    @Bean
    NettyServerCustomizer serverMetrics() {
        return server -> server.metrics(true, ServerUris::bounded);
    }

    /**
     * {@code /actuator/prometheus} takes the admin token or the scrape token
     * ({@code CODEHUB_HUB_METRICS_TOKEN}); both are compared as SHA-256 hashes in constant time. The
     * scrape token opens nothing else: the admin filter in front of {@code /api/} knows only the
     * admin token.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 2)
    BearerTokenFilter scrapeTokenFilter(AdminToken admin, MetricsProperties properties, ProblemResponses problems) {
        AdminToken scrape = properties.token() == null ? null : AdminToken.of(properties.token());
        return new BearerTokenFilter(SCRAPE_PATH::equals,
                candidate -> admin.matches(candidate) || (scrape != null && scrape.matches(candidate)) ? null
                        : "the bearer token is neither the admin token nor the metrics token",
                "<admin token or CODEHUB_HUB_METRICS_TOKEN>", problems);
    }
}
