package io.codehub.hub.gateway;

/**
 * Counts the gateway's traffic for metrics; called on the gateway's event loops, once per request
 * and once per WebSocket (never per byte), so an implementation does no more than increment cached
 * meters.
 */
public interface GatewayObserver {

    /** Observes nothing. */
    GatewayObserver NONE = new GatewayObserver() { };

    /**
     * A request was answered (or a WebSocket ended, {@code webSocket} true, status 101), with the
     * bytes of its bodies (or of the WebSocket) from and to the client and how long it took.
     */
    default void exchanged(int status, long bytesIn, long bytesOut, long nanos, boolean webSocket) {
    }

    /** The access log dropped {@code lines} lines: more were waiting to be written than it holds. */
    default void accessLogDropped(long lines) {
    }

    /** An app accepted a WebSocket upgrade; {@link #exchanged} with {@code webSocket} true follows when it ends. */
    default void webSocketOpened() {
    }
}
