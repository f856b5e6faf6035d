package io.codehub.web;

import java.net.URI;

import io.codehub.runtime.ProblemType;

/**
 * One RFC 9457 problem as served: a stable {@code type} with its title and status, and the
 * occurrence's {@code detail}. Agent API types come from {@link ProblemType}; an application with
 * types of its own builds problems from them with the canonical constructor.
 */
public record Problem(URI type, String title, int status, String detail) {

    public Problem {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
        }
    }

    public static Problem of(ProblemType type, String detail) {
        return new Problem(type.uri(), type.title(), type.status(), detail);
    }
}
