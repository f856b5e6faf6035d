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
