package io.codehub.runtime;

/**
 * Where a running workspace serves, as seen from its agent: the body of
 * {@code GET /instances/{id}/upstream}.
 */
public record Upstream(String host, int port) {

    public Upstream {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host: missing");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
    }
}
