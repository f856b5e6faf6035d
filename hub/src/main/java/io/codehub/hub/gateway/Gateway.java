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
 * duration, and how it ended when that was not a plain response. Never a cookie or a token. Written
 * by the {@link AccessLog}'s own thread, never on an event loop. The same numbers go to the
 * {@link GatewayObserver} (metrics), whatever the log level.
 */
record Gateway(GatewayProperties properties, GatewayRoutes routes, UpstreamDialer dialer, GatewayAccess access,
        GatewayObserver observer, AccessLog accessLog) {

    static final String ACCESS_LOGGER = "io.codehub.hub.gateway.access";
    /** Access log lines that may wait to be written: a few seconds of a busy gateway's requests. */
    static final int ACCESS_LOG_CAPACITY = 16_384;
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class.getPackageName());

    /** The gateway with the access log {@value #ACCESS_LOGGER}, its drops counted by {@code observer}. */
    static Gateway create(GatewayProperties properties, GatewayRoutes routes, UpstreamDialer dialer,
            GatewayAccess access, GatewayObserver observer) {
        return new Gateway(properties, routes, dialer, access, observer,
                AccessLog.of(LoggerFactory.getLogger(ACCESS_LOGGER), ACCESS_LOG_CAPACITY, observer::accessLogDropped));
    }

    Logger log() {
        return LOG;
    }

    /** An exchange ended: to the metrics, and queued for the access log. */
    void exchanged(@Nullable String workspaceId, int port, String client, String method, String path, int status,
            long in, long out, long nanos, boolean websocket, @Nullable String outcome) {
        observer.exchanged(status, in, out, nanos, websocket);
        accessLog.add(new AccessLog.Line(workspaceId, port, client, method, path, status, in, out, nanos, websocket,
                outcome));
    }
}
