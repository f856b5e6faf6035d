package io.codehub.tunnel;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/** The hub answered the agent's upgrade request with a problem instead of {@code 101} ({@link Reason#CONNECT_FAILED}). */
public final class HandshakeRejectedException extends TunnelConnectionException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final @Nullable Duration retryAfter;

    public HandshakeRejectedException(String hub, int status, String type, String detail,
            @Nullable Duration retryAfter) {
        super(Reason.CONNECT_FAILED, "handshake with " + hub + " rejected: " + status + " " + type
                + (detail.isEmpty() ? "" : " (" + detail + ")")
                + (retryAfter == null ? "" : ", retry after " + retryAfter.toSeconds() + " s"), null);
        this.status = status;
        this.type = type;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status of the answer. */
    public int status() {
        return status;
    }

    /** The problem {@code type} URI, or {@code about:blank} when the body had none. */
    public String type() {
        return type;
    }

    /** The known problem for {@link #type()}, or null for one this version does not know. */
    public @Nullable HandshakeProblem problem() {
        return HandshakeProblem.fromUri(type);
    }

    /** The {@code Retry-After} of the answer, if any. */
    public @Nullable Duration retryAfter() {
        return retryAfter;
    }
}
