package io.codehub.runtime;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The body of {@code GET /health}.
 *
 * @param status  UP when the agent can serve workspace calls, DOWN otherwise
 * @param runtime the backend kind, e.g. {@code docker} or {@code kubernetes}
 * @param version the agent's version
 * @param backend the backend's own description (engine version, API version, cluster), when reachable
 * @param detail  why it is DOWN
 * @param os      the agent's operating system, e.g. {@code linux} (the agent adds it; a runtime leaves it null)
 * @param arch    the agent's CPU architecture, e.g. {@code amd64} (likewise)
 */
public record Health(HealthStatus status, String runtime, String version, @Nullable String backend,
        @Nullable String detail, @Nullable String os, @Nullable String arch) {

    public Health {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(version, "version");
    }

    /** A health without the platform (what a runtime answers; the agent adds {@code os} and {@code arch}). */
    public Health(HealthStatus status, String runtime, String version, @Nullable String backend,
            @Nullable String detail) {
        this(status, runtime, version, backend, detail, null, null);
    }

    /** This health with the platform the agent runs on. */
    public Health withPlatform(@Nullable String os, @Nullable String arch) {
        return new Health(status, runtime, version, backend, detail, os, arch);
    }
}
