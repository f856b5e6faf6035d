package io.codehub.tunnel;

import java.io.IOException;

import org.jspecify.annotations.Nullable;

/**
 * A tunnel operation failed. The message names the operation and what it was attempted on
 * (session, stream, hub address), never a credential.
 *
 * <h2>Types</h2>
 * As with HTTP/2's own errors (RFC 9113 §5.4), a failure of one stream and a failure of the whole
 * connection are told apart: {@link TunnelStreamException} carries the stream's id and the HTTP/2
 * error code it ended with, {@link TunnelConnectionException} why the session or connection ended
 * (or could not be made). This base type is used directly only for failures that are neither,
 * such as binding the tunnel port.
 *
 * <h2>Unprocessed</h2>
 * {@link #isUnprocessed()} says that the peer provably never processed the operation (a stream it
 * refused, a stream above the last stream id of its GOAWAY, a stream that could not be opened), so
 * repeating it is safe whatever it does. It is an {@link IOException}: a tunnel is a transport, and
 * code above it treats its failures like those of a socket.
 */
public class TunnelException extends IOException {

    private static final long serialVersionUID = 1L;

    private final boolean unprocessed;

    public TunnelException(String message) {
        this(message, null, false);
    }

    public TunnelException(String message, @Nullable Throwable cause) {
        this(message, cause, false);
    }

    protected TunnelException(String message, @Nullable Throwable cause, boolean unprocessed) {
        super(message, cause);
        this.unprocessed = unprocessed;
    }

    /**
     * Whether the peer provably never processed what failed (no byte of it reached the peer's
     * application), so it may be repeated, on this or another session, whatever it does.
     */
    public boolean isUnprocessed() {
        return unprocessed;
    }
}
