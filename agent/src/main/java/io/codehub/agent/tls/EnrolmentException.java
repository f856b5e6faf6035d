package io.codehub.agent.tls;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * An enrolment or renewal request ({@code POST /v1/certificate}) that did not produce a certificate:
 * refused by the hub (with its status, problem type and detail), or never answered (status 0:
 * connection, TLS or timeout). The message names the operation and the hub's detail.
 */
final class EnrolmentException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final @Nullable String problemType;
    private final transient @Nullable Duration retryAfter;

    EnrolmentException(String message, int status, @Nullable String problemType, @Nullable Duration retryAfter,
            @Nullable Throwable cause) {
        super(message, cause);
        this.status = status;
        this.problemType = problemType;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status of the hub's answer; 0 when there was none. */
    int status() {
        return status;
    }

    /** The problem {@code type} of the hub's answer, e.g. {@code urn:codehub:problem:unauthorized}. */
    @Nullable String problemType() {
        return problemType;
    }

    /** The hub's {@code Retry-After}, when it sent one. */
    @Nullable Duration retryAfter() {
        return retryAfter;
    }

    /** The hub refused the credentials or this agent (401, 403): retrying the same request will not help. */
    boolean credentialsRefused() {
        return status == 401 || status == 403;
    }

    /** The request itself is wrong (400, 413, 415...): a bug or a mismatched hub, not a transient failure. */
    boolean requestRefused() {
        return status >= 400 && status < 500 && status != 401 && status != 403 && status != 408 && status != 429;
    }
}
