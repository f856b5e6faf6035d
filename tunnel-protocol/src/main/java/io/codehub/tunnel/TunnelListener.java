package io.codehub.tunnel;

import java.net.SocketAddress;

import org.jspecify.annotations.Nullable;

/**
 * Hub side: observes sessions coming and going, for the agent registry and for metrics. Called on
 * event loops; must not block.
 */
public interface TunnelListener {

    /** A session passed authentication and its 101 was sent. */
    default void sessionOpened(TunnelSession session) {
    }

    /** A session's connection closed; {@code cause} is null for an orderly close. */
    default void sessionClosed(TunnelSession session, @Nullable Throwable cause) {
    }

    /** A handshake was answered with an error status (never carries the credential). */
    default void handshakeRejected(SocketAddress remoteAddress, HandshakeProblem problem, String detail) {
    }
}
