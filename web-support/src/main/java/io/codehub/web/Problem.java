package io.codehub.web;

import java.net.URI;

import io.codehub.base.CodehubProblemType;

/**
 * One RFC 9457 problem as served: a stable {@code type} with its title and status, and the
 * occurrence's {@code detail}. The type is one of codehub's {@link CodehubProblemType}s: the Agent
 * API's ({@code io.codehub.runtime.ProblemType}) or an application's own enum of the same shape.
 */
public record Problem(URI type, String title, int status, String detail) {

    public Problem {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
        }
    }

    /** {@code type} with the occurrence's {@code detail}, ready to serve. */
    public static Problem of(CodehubProblemType type, String detail) {
        return new Problem(type.uri(), type.title(), type.status(), detail);
    }
}
