package io.codehub.hub.gateway;

import io.codehub.hub.config.GatewayProperties;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every {@link GatewayHandler} shares: the settings, the registry lookups, the dialer, the
 * access checks and the logs. Thread-safe.
 *
 * <h2>Access log</h2>
 * One line per request, and one per WebSocket when it ends, on the logger
 * {@value #ACCESS_LOGGER} at INFO: workspace, port, client address, method, path (never the
 * query, which may hold an access code), status, bytes in and out (bodies and WebSocket bytes),
 * duration, and how it ended when that was not a plain response. Never a cookie or a token. The
 * same numbers go to the {@link GatewayObserver} (metrics), whatever the log level.
 */
record Gateway(GatewayProperties properties, GatewayRoutes routes, UpstreamDialer dialer, GatewayAccess access,
        GatewayObserver observer) {

    static final String ACCESS_LOGGER = "io.codehub.hub.gateway.access";
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class.getPackageName());
    private static final Logger ACCESS = LoggerFactory.getLogger(ACCESS_LOGGER);
    private static final int MAX_LOGGED_PATH = 200;

    Logger log() {
        return LOG;
    }

    void accessLog(@Nullable String workspaceId, int port, String client, String method, String path, int status,
            long in, long out, long nanos, boolean websocket, @Nullable String outcome) {
        observer.exchanged(status, in, out, nanos, websocket);
        if (!ACCESS.isInfoEnabled()) {
            return;
        }
        String shown = path.length() > MAX_LOGGED_PATH ? path.substring(0, MAX_LOGGED_PATH) + "..." : path;
        ACCESS.info("workspace={} port={} client={} {} {} status={} in={} out={} ms={}{}{}",
                workspaceId == null ? "-" : workspaceId, port == 0 ? "-" : Integer.toString(port), client, method,
                printable(shown), status, in, out, nanos / 1_000_000, websocket ? " websocket" : "",
                outcome == null ? "" : " outcome=" + outcome);
    }

    /** The path with control characters escaped, so a request cannot forge log lines. */
    private static String printable(String path) {
        StringBuilder out = null;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (out == null) {
                    out = new StringBuilder(path.length() + 8).append(path, 0, i);
                }
                out.append(String.format("%%%02X", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? path : out.toString();
    }
}
