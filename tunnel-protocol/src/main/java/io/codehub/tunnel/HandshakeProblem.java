package io.codehub.tunnel;

import java.util.Map;

import io.codehub.base.CodehubProblemType;
import org.jspecify.annotations.Nullable;

/**
 * The stable problem types a hub answers a failed upgrade with (RFC 9457 {@code type}), each with
 * its HTTP status. Agents match on {@link #uri()} ({@code urn:codehub:problem:tunnel-...}, the
 * prefix all codehub problem types share), never on the human-readable detail.
 */
public enum HandshakeProblem implements CodehubProblemType {

    /** The request is not a well-formed tunnel upgrade (method, headers, body). */
    MALFORMED("tunnel-malformed-handshake", 400, "Malformed tunnel handshake"),
    /** The credential is missing, unknown, wrong or expired. */
    UNAUTHORIZED("tunnel-unauthorized", 401, "Unauthorized"),
    /** The agent is known but may not open a tunnel (disabled, revoked, wrong hub). */
    FORBIDDEN("tunnel-forbidden", 403, "Forbidden"),
    /** The request target is not {@value TunnelProtocol#PATH}. */
    NOT_FOUND("tunnel-not-found", 404, "Not found"),
    /** The method is not the one the endpoint serves. */
    METHOD_NOT_ALLOWED("tunnel-method-not-allowed", 405, "Method not allowed"),
    /** The request did not complete within the handshake timeout. */
    TIMEOUT("tunnel-handshake-timeout", 408, "Handshake timeout"),
    /** An endpoint request's body exceeds that endpoint's cap. */
    BODY_TOO_LARGE("tunnel-body-too-large", 413, "Request body too large"),
    /** The {@code Upgrade} header names a protocol version this hub does not speak. */
    UNSUPPORTED_VERSION("tunnel-unsupported-version", 426, "Unsupported tunnel protocol version"),
    /** Too many failed authentications from this source address; see {@code Retry-After}. */
    RATE_LIMITED("tunnel-rate-limited", 429, "Too many failed handshakes"),
    /** The request line or headers exceed the hub's pre-authentication cap. */
    HEADERS_TOO_LARGE("tunnel-headers-too-large", 431, "Handshake headers too large"),
    /** The hub is draining, at its tunnel limit, or cannot authenticate now; see Retry-After. */
    UNAVAILABLE("tunnel-unavailable", 503, "Hub unavailable");

    private static final Map<String, HandshakeProblem> BY_URI = CodehubProblemType.byUri(values());

    private final Definition definition;

    HandshakeProblem(String slug, int status, String title) {
        this.definition = new Definition(slug, status, title);
    }

    @Override
    public Definition definition() {
        return definition;
    }

    /** The problem with that {@code type} URI, or {@code null} for one this version does not know. */
    public static @Nullable HandshakeProblem fromUri(@Nullable String uri) {
        return uri == null ? null : BY_URI.get(uri);
    }
}
