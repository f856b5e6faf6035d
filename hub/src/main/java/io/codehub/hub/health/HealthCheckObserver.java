package io.codehub.hub.health;

/** Counts health checks by outcome, for metrics. Must not block. */
public interface HealthCheckObserver {

    /** Observes nothing. */
    HealthCheckObserver NONE = healthy -> { };

    /** A check of one agent ended: the agent answered {@code UP} ({@code healthy}), or it did not. */
    void checked(boolean healthy);
}
