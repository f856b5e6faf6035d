package io.codehub.hub.problem;

import java.net.URI;

import io.codehub.runtime.ProblemType;

/**
 * One RFC 9457 problem as served: type, title and status from a {@link HubProblemType} or an Agent
 * API {@link ProblemType}, and the occurrence's detail.
 */
public record Problem(URI type, String title, int status, String detail) {

    public static Problem of(HubProblemType type, String detail) {
        return new Problem(type.uri(), type.title(), type.status(), detail);
    }

    public static Problem of(ProblemType type, String detail) {
        return new Problem(type.uri(), type.title(), type.status(), detail);
    }
}
