package io.codehub.tunnel;

/**
 * A tunnel operation failed. The message names the operation and what it was attempted on
 * (session, stream, hub address), never a credential.
 */
public class TunnelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TunnelException(String message) {
        super(message);
    }

    public TunnelException(String message, Throwable cause) {
        super(message, cause);
    }
}
