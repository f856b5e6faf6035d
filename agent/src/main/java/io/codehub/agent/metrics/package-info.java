/**
 * The agent's metrics: {@code codehub_build_info}, the scrape port {@code CODEHUB_AGENT_MANAGEMENT_PORT}
 * (Prometheus text at {@code /metrics}, loopback by default) beside {@code /actuator/prometheus} on the
 * listener (a hub token). The tunnel's meters live with the tunnel; every meter is listed in
 * {@code docs/operations.md}.
 */
@NullMarked
package io.codehub.agent.metrics;

import org.jspecify.annotations.NullMarked;
