package io.codehub.agent.config;

/** A validated {@code host:port} for a listener; {@code [::1]:8081} for IPv6. */
public record ListenAddress(String host, int port) {

    /** Parses {@code host:port}; the message of the exception says what was expected. */
    public static ListenAddress parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing (expected: host:port, e.g. 0.0.0.0:8081)");
        }
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("'" + value + "' (expected: host:port, e.g. 0.0.0.0:8081)");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "': port is not a number (expected: host:port)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + value + "': port " + port + " (expected: 0..65535)");
        }
        return new ListenAddress(host, port);
    }
}
