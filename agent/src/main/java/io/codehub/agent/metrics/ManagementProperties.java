package io.codehub.agent.metrics;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The agent's scrape port, bound from {@code codehub.agent.management.*} (environment variables
 * {@code CODEHUB_AGENT_MANAGEMENT_*}), listed in {@code docs/operations.md}.
 *
 * @param port    TCP port serving Prometheus text at {@code GET /metrics} without a token
 *                ({@code CODEHUB_AGENT_MANAGEMENT_PORT}; unset: no such port, metrics only at
 *                {@code /actuator/prometheus} on the listener with a hub token; 0 picks a free port)
 * @param address address the port binds, an IP literal ({@code CODEHUB_AGENT_MANAGEMENT_ADDRESS}, default
 *                {@code 127.0.0.1}: only this host, e.g. a node-local Prometheus or a sidecar, can scrape)
 */
@ConfigurationProperties("codehub.agent.management")
public record ManagementProperties(
        @Nullable Integer port,
        @DefaultValue("127.0.0.1") String address) {
}
