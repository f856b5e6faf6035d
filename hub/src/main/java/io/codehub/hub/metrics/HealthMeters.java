package io.codehub.hub.metrics;

import io.codehub.hub.health.HealthCheckObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** {@code codehub_health_checks_total}: agent health checks by outcome ({@code up} or {@code down}). */
final class HealthMeters implements HealthCheckObserver {

    private final Counter up;
    private final Counter down;

    HealthMeters(MeterRegistry registry) {
        up = counter(registry, "up");
        down = counter(registry, "down");
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("codehub.health.checks")
                .description("Agent health checks by outcome: down is an agent that did not answer UP in time")
                .tag("outcome", outcome)
                .register(registry);
    }

    @Override
    public void checked(boolean healthy) {
        (healthy ? up : down).increment();
    }
}
