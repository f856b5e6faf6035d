package io.codehub.tunnel;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/** Agent side: observes the connector's sessions, for health and logs. Must not block. */
public interface ConnectorListener {

    /** A handshake succeeded; the hub may open streams from now on. */
    default void sessionOpened(HubSessionInfo session) {
    }

    /** The hub sent GOAWAY with {@code reason} (for example {@value TunnelProtocol#GOAWAY_DRAINING}). */
    default void goAwayReceived(HubSessionInfo session, String reason) {
    }

    /**
     * The hub asked this session's agent to reconnect elsewhere ({@value TunnelProtocol#RECONNECT_PATH}):
     * the connector dials a new session at once while this one keeps serving, and closes this one
     * (GOAWAY {@value TunnelProtocol#GOAWAY_MOVED}) when the new one is up.
     */
    default void reconnectRequested(HubSessionInfo session) {
    }

    /** A session's connection closed; {@code cause} is null for an orderly close. */
    default void sessionClosed(HubSessionInfo session, @Nullable Throwable cause) {
    }

    /**
     * A connect or handshake failed ({@link HandshakeRejectedException} for an error status);
     * the next attempt starts in {@code retryIn}.
     */
    default void connectFailed(Throwable cause, Duration retryIn) {
    }
}
