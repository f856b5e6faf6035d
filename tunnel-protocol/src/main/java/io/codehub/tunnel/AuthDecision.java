package io.codehub.tunnel;

import java.time.Duration;
import java.util.Objects;

import io.codehub.base.Checks;
import org.jspecify.annotations.Nullable;

/** The outcome of a {@link TunnelAuthenticator}: accept the agent, or reject the handshake. */
public sealed interface AuthDecision {

    /**
     * Accepts the agent. A non-null ticket is sent in the 101 response for the agent to present
     * on its next connect instead of its API key.
     */
    static AuthDecision accept(String agentId, @Nullable String resumptionTicket) {
        return new Accepted(agentId, resumptionTicket);
    }

    /**
     * Rejects the handshake with 401, 403, 429 or 503 (429 and 503 require a Retry-After). A 401
     * or 403 counts against the source address's failed-authentication budget; a 503 (the
     * authenticator is busy, try later) does not.
     */
    static AuthDecision reject(int status, String detail, @Nullable Duration retryAfter) {
        HandshakeProblem problem = switch (status) {
            case 401 -> HandshakeProblem.UNAUTHORIZED;
            case 403 -> HandshakeProblem.FORBIDDEN;
            case 429 -> HandshakeProblem.RATE_LIMITED;
            case 503 -> HandshakeProblem.UNAVAILABLE;
            default -> throw new IllegalArgumentException("status: " + status + " (expected: 401, 403, 429 or 503)");
        };
        return new Rejected(problem, detail, retryAfter);
    }

    /**
     * @param agentId the agent's stable id; at most 128 visible ASCII characters
     * @param resumptionTicket hub-signed ticket for the next connect, or null
     */
    record Accepted(String agentId, @Nullable String resumptionTicket) implements AuthDecision {
        public Accepted {
            Checks.notBlank("agentId", agentId);
            if (agentId.length() > 128 || !agentId.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("agentId: " + agentId.length()
                        + " chars (expected: 1 to 128 visible ASCII characters)");
            }
            if (resumptionTicket != null && !HeaderValues.isToken68(resumptionTicket, 4096)) {
                throw new IllegalArgumentException("resumptionTicket: " + resumptionTicket.length()
                        + " chars (expected: a token68 of at most 4096 characters)");
            }
        }

        @Override
        public String toString() {
            return "Accepted{agentId=" + agentId + ", resumptionTicket="
                    + (resumptionTicket == null ? "none" : "issued") + '}';
        }
    }

    /**
     * @param problem the problem type (401, 403, 429 or 503)
     * @param detail human-readable reason sent to the agent; must not contain secrets
     * @param retryAfter when the agent may try again (required for 429 and 503)
     */
    record Rejected(HandshakeProblem problem, String detail, @Nullable Duration retryAfter) implements AuthDecision {
        public Rejected {
            Objects.requireNonNull(problem, "problem");
            Objects.requireNonNull(detail, "detail");
            if ((problem == HandshakeProblem.RATE_LIMITED || problem == HandshakeProblem.UNAVAILABLE)
                    && retryAfter == null) {
                throw new IllegalArgumentException("retryAfter: null (expected: set for 429 and 503)");
            }
            if (retryAfter != null) {
                Checks.positive("retryAfter", retryAfter);
            }
        }
    }
}
