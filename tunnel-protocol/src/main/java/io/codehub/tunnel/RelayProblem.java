package io.codehub.tunnel;

import java.util.Map;

import io.codehub.base.CodehubProblemType;
import org.jspecify.annotations.Nullable;

/**
 * The stable problem types a {@link RelayServer} refuses a relayed stream with (RFC 9457
 * {@code type}, {@code urn:codehub:problem:relay-...}), each with its HTTP status. A
 * {@link RelayHandler} picks one with {@link RelayDecision#refuse(RelayProblem, String)}; the
 * forwarding hub matches on {@link #uri()}, never on the detail.
 */
public enum RelayProblem implements CodehubProblemType {

    /** The stream lacks the relay's own headers, or they are malformed. */
    MALFORMED("relay-malformed-request", 400, "Malformed relay request"),
    /** No relay credential, or one this hub does not accept (unknown signer, expired). */
    UNAUTHORIZED("relay-unauthorized", 401, "Unauthorized"),
    /** The credential is valid but does not allow this stream (another agent, another hub). */
    FORBIDDEN("relay-forbidden", 403, "Forbidden"),
    /** This hub holds no tunnel of the agent: the forwarder's view of who owns it is stale. */
    AGENT_NOT_CONNECTED("relay-agent-not-connected", 404, "Agent not connected to this hub"),
    /** The relay handler failed. */
    INTERNAL_ERROR("relay-internal-error", 500, "Relay failed"),
    /** This hub takes no relayed streams now (draining, starting). */
    UNAVAILABLE("relay-unavailable", 503, "Relay unavailable"),
    /** The target is itself reached through a relay: the owner only executes, it never forwards again. */
    LOOP("relay-loop", 508, "Relay loop");

    private static final Map<String, RelayProblem> BY_URI = CodehubProblemType.byUri(values());

    private final Definition definition;

    RelayProblem(String slug, int status, String title) {
        this.definition = new Definition(slug, status, title);
    }

    @Override
    public Definition definition() {
        return definition;
    }

    /** The problem with that {@code type} URI, or {@code null} for one this version does not know. */
    public static @Nullable RelayProblem fromUri(@Nullable String uri) {
        return uri == null ? null : BY_URI.get(uri);
    }
}
