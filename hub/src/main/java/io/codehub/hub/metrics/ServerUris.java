package io.codehub.hub.metrics;

import java.util.Set;

/**
 * The {@code uri} label of Reactor Netty's server metrics: the first path segment of the hub's
 * known areas ({@code /api}, {@code /actuator}, ...), {@code /} for the root, {@code other} for
 * everything else, so that no id and no scanner's made-up path becomes a time series.
 */
final class ServerUris {

    private static final Set<String> KNOWN = Set.of("/api", "/actuator", "/v3", "/.well-known", "/pki");

    private ServerUris() {
    }

    static String bounded(String uri) {
        if (uri.isEmpty() || uri.equals("/")) {
            return "/";
        }
        int end = uri.indexOf('/', 1);
        int query = uri.indexOf('?');
        if (end < 0 || (query >= 0 && query < end)) {
            end = query >= 0 ? query : uri.length();
        }
        String first = uri.substring(0, end);
        return KNOWN.contains(first) ? first : "other";
    }
}
