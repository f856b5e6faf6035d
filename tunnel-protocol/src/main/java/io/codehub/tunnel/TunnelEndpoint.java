package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

import io.codehub.base.CodehubProblemType;
import org.jspecify.annotations.Nullable;

/**
 * A plain HTTP/1.1 request-response endpoint on the tunnel port, beside the upgrade: for what an
 * agent behind NAT must reach before (or besides) its tunnel, such as certificate enrolment, since
 * the tunnel port may be the only part of the hub it can reach. Registered with
 * {@link TunnelServerBuilder#endpoint(String, String, int, TunnelEndpoint)}.
 *
 * <p>The server reads the whole body (up to the endpoint's cap; beyond it {@code 413}), calls
 * {@link #handle} once, writes the response and closes the connection. The pre-authentication
 * limits of the upgrade apply: the failed-authentication limiter per source address (a response
 * with {@link Response#failedAuthentication()} counts against it) and the handshake timeout,
 * which covers reading the request and handling it.
 */
@FunctionalInterface
public interface TunnelEndpoint {

    /** Called on an event loop; must not block. */
    CompletionStage<Response> handle(Request request);

    /**
     * One request.
     *
     * @param method the HTTP method, e.g. {@code POST}
     * @param path the request path without the query
     * @param bearerToken the {@code Authorization: Bearer} token, if any
     * @param contentType the {@code Content-Type} header, if any
     * @param body the whole request body
     * @param remoteAddress the TCP peer
     * @param peerCertificates the verified TLS client certificate chain, empty without one
     */
    record Request(String method, String path, @Nullable String bearerToken, @Nullable String contentType,
            byte[] body, InetSocketAddress remoteAddress, List<X509Certificate> peerCertificates) {

        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(remoteAddress, "remoteAddress");
            peerCertificates = List.copyOf(peerCertificates);
        }

        @Override
        public String toString() {
            return "Request{" + method + ' ' + path + ", bearerToken=" + (bearerToken == null ? "absent" : "present")
                    + ", body=" + body.length + " bytes, remoteAddress=" + remoteAddress
                    + ", peerCertificates=" + peerCertificates.size() + '}';
        }
    }

    /**
     * One response.
     *
     * @param status the HTTP status
     * @param contentType the body's media type
     * @param body the body
     * @param retryAfter sent as {@code Retry-After} when present
     * @param failedAuthentication whether the request's credentials were refused (counts against
     *                             the source address's failed-authentication budget)
     */
    record Response(int status, String contentType, byte[] body, @Nullable Duration retryAfter,
            boolean failedAuthentication) {

        public Response {
            if (status < 200 || status > 599) {
                throw new IllegalArgumentException("status: " + status + " (expected: 200 to 599)");
            }
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }

        /** A successful response. */
        public static Response ok(String contentType, byte[] body) {
            return new Response(200, contentType, body, null, false);
        }

        /**
         * An RFC 9457 problem of {@code type} (its status, title and {@code urn:codehub:problem:} URI)
         * with the occurrence's {@code detail}; a 401 or 403 counts as a failed authentication.
         */
        public static Response problem(CodehubProblemType type, String detail) {
            return new Response(type.status(), TunnelProtocol.PROBLEM_JSON, ProblemBodies.encode(type, detail), null,
                    type.status() == 401 || type.status() == 403);
        }
    }
}
