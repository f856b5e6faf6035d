package io.codehub.hub.gateway;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Why the gateway answers a request itself instead of forwarding it: a {@link GatewayProblem}
 * with a detail for people, and for {@code workspace-not-running} the workspace's state. Thrown
 * and caught inside the gateway only; no stack trace is filled in, it is an answer, not a bug.
 */
final class GatewayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final GatewayProblem problem;
    private final @Nullable String state;
    private final @Nullable Duration retryAfter;

    GatewayException(GatewayProblem problem, String detail) {
        this(problem, detail, null, null);
    }

    GatewayException(GatewayProblem problem, String detail, @Nullable String state, @Nullable Duration retryAfter) {
        super(detail, null, false, false);
        this.problem = problem;
        this.state = state;
        this.retryAfter = retryAfter;
    }

    GatewayProblem problem() {
        return problem;
    }

    /** The workspace's observed state, for {@code workspace-not-running}. */
    @Nullable String state() {
        return state;
    }

    /** When to try again, for the 503s. */
    @Nullable Duration retryAfter() {
        return retryAfter;
    }
}
