package io.codehub.hub.gateway;

import java.util.Locale;

import io.codehub.runtime.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * What a request's {@code Host} names: a workspace and, for {@code <port>--<id>.<apps domain>},
 * another port of it. Parsing never trusts more than the syntax: whether the workspace exists,
 * and whether the port is one it exposes, is the registry's answer.
 *
 * @param workspaceId the workspace's id
 * @param port        the port asked for, or 0 for the workspace's own port
 * @param host        the host as the browser sent it (lower case, no port): the origin, and the
 *                    {@code X-Forwarded-Host}
 */
record WorkspaceHost(String workspaceId, int port, String host) {

    private static final String PORT_SEPARATOR = "--";
    private static final int MAX_HOST_LENGTH = 253;

    /**
     * The workspace {@code hostHeader} names under {@code appsDomain}, or null when it names none:
     * another domain (the hub itself, {@code localhost}, an IP literal), the apps domain itself, a
     * deeper subdomain, a malformed id or port.
     */
    static @Nullable WorkspaceHost parse(@Nullable String hostHeader, String appsDomain) {
        if (hostHeader == null || hostHeader.isEmpty() || hostHeader.length() > MAX_HOST_LENGTH + 6) {
            return null;
        }
        String host = stripPort(hostHeader.trim().toLowerCase(Locale.ROOT));
        if (host != null && host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host == null || host.length() > MAX_HOST_LENGTH || !host.endsWith("." + appsDomain)) {
            return null;
        }
        String label = host.substring(0, host.length() - appsDomain.length() - 1);
        if (label.indexOf('.') >= 0) {
            return null;
        }
        int port = 0;
        String id = label;
        int separator = label.indexOf(PORT_SEPARATOR);
        if (separator >= 0) {
            port = parsePort(label.substring(0, separator));
            id = label.substring(separator + PORT_SEPARATOR.length());
            if (port <= 0) {
                return null;
            }
        }
        if (!WorkspaceId.isValid(id)) {
            return null;
        }
        return new WorkspaceHost(id, port, host);
    }

    /** The host without {@code :port}; null for a malformed port or an IPv6 literal. */
    private static @Nullable String stripPort(String host) {
        if (host.startsWith("[")) {
            return null;
        }
        int colon = host.indexOf(':');
        if (colon < 0) {
            return host;
        }
        String port = host.substring(colon + 1);
        return parsePort(port) > 0 ? host.substring(0, colon) : null;
    }

    private static int parsePort(String digits) {
        if (digits.isEmpty() || digits.length() > 5 || digits.charAt(0) == '0') {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 65_535 ? value : -1;
    }
}
