package io.codehub.tunnel;

import java.util.Objects;

import io.netty.handler.codec.http2.Http2Error;
import org.jspecify.annotations.Nullable;

/**
 * The tunnel connection failed, or could not be made: every stream on it is gone (an HTTP/2
 * connection error, RFC 9113 §5.4.1, or a transport failure under it). {@link #reason()} says which
 * way it ended; {@link #error()} the HTTP/2 error code of the GOAWAY or connection error, when one
 * was involved.
 */
public class TunnelConnectionException extends TunnelException {

    private static final long serialVersionUID = 1L;

    /** How the connection ended, or why it could not be used. */
    public enum Reason {
        /** Dialling, TLS or the upgrade handshake failed: no session was made. */
        CONNECT_FAILED,
        /** The session is draining or was replaced (GOAWAY sent or received): it takes no new streams. */
        GOING_AWAY,
        /** The session or connector was closed on purpose, by either end. */
        CLOSED,
        /** The connection was lost: missed keepalive, an I/O error, a protocol error. */
        LOST
    }

    private final Reason reason;
    private final @Nullable Http2Error error;

    /**
     * @param reason      how the connection ended
     * @param error       the HTTP/2 error code of the GOAWAY or connection error, if any
     * @param unprocessed whether the failed operation provably never reached the peer
     * @param message     what was attempted on what, and what happened
     * @param cause       the underlying failure, if any
     */
    public TunnelConnectionException(Reason reason, @Nullable Http2Error error, boolean unprocessed, String message,
            @Nullable Throwable cause) {
        super(message, cause, unprocessed);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.error = error;
    }

    /** A failure with no HTTP/2 error code, of an operation the peer may have seen. */
    public TunnelConnectionException(Reason reason, String message, @Nullable Throwable cause) {
        this(reason, null, false, message, cause);
    }

    /** How the connection ended. */
    public Reason reason() {
        return reason;
    }

    /** The HTTP/2 error code of the GOAWAY or connection error, or null when none was involved. */
    public @Nullable Http2Error error() {
        return error;
    }
}
