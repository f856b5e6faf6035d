package io.codehub.runtime;

import org.jspecify.annotations.Nullable;

/**
 * The body of {@code GET /health}.
 *
 * @param status  UP when the agent can serve workspace calls, DOWN otherwise
 * @param runtime the backend kind, e.g. {@code docker} or {@code kubernetes}
 * @param version the agent's version
 * @param backend the backend's own description (engine version, API version, cluster), when reachable
 * @param detail  why it is DOWN
 */
public record Health(HealthStatus status, String runtime, String version, @Nullable String backend,
        @Nullable String detail) {

    public Health {
        java.util.Objects.requireNonNull(status, "status");
        java.util.Objects.requireNonNull(runtime, "runtime");
        java.util.Objects.requireNonNull(version, "version");
    }
}
