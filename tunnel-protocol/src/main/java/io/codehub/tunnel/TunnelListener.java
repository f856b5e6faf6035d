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

    /**
     * A session's connection closed; {@code cause} is null for an orderly close. Called by the
     * default {@link #sessionClosed(TunnelSession, CloseReason, Throwable)} only.
     */
    default void sessionClosed(TunnelSession session, @Nullable Throwable cause) {
    }

    /**
     * A session's connection closed, for {@code reason}; {@code cause} is the error behind
     * {@link CloseReason#ERROR} or {@link CloseReason#HALF_OPEN}, null for an orderly close. This is
     * the method the server calls; by default it calls {@link #sessionClosed(TunnelSession, Throwable)}.
     */
    default void sessionClosed(TunnelSession session, CloseReason reason, @Nullable Throwable cause) {
        sessionClosed(session, cause);
    }

    /** A handshake was answered with an error status (never carries the credential). */
    default void handshakeRejected(SocketAddress remoteAddress, HandshakeProblem problem, String detail) {
    }
}
