package io.codehub.agent.config;

import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.Runtime;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * The backend's health as seen by orchestrators: part of the readiness group, so an agent whose
 * Docker engine is gone stops receiving traffic, while liveness (the JVM) keeps it from being
 * restarted for a fault that is not its own. Probes show only UP or DOWN, never the detail.
 */
final class RuntimeReadiness implements ReactiveHealthIndicator {

    private final Runtime runtime;

    RuntimeReadiness(Runtime runtime) {
        this.runtime = runtime;
    }

    @Override
    public Mono<Health> health() {
        return runtime.health().map(health -> health.status() == HealthStatus.UP
                ? Health.up().build()
                : Health.down().withDetail("reason", String.valueOf(health.detail())).build());
    }
}
