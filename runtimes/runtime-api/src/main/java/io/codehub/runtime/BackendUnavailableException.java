package io.codehub.runtime;

import org.jspecify.annotations.Nullable;

/**
 * The container backend (or, seen from the hub, the agent) cannot be reached; worth retrying later.
 * {@link #isUnprocessed()} says that the call provably never reached it (see
 * {@link UnprocessedRequestException}), so that even a call that is not idempotent may be repeated.
 */
public final class BackendUnavailableException extends RuntimeProblemException {

    private static final long serialVersionUID = 1L;

    private final boolean unprocessed;

    public BackendUnavailableException(String detail, @Nullable Throwable cause) {
        this(detail, cause, false);
    }

    /**
     * @param detail      what was attempted on what, and what happened
     * @param cause       the transport failure, if any
     * @param unprocessed whether the call provably never reached the backend
     */
    public BackendUnavailableException(String detail, @Nullable Throwable cause, boolean unprocessed) {
        super(ProblemType.BACKEND_UNAVAILABLE, detail, cause);
        this.unprocessed = unprocessed;
    }

    /** Whether the call provably never reached the backend: safe to repeat, whatever it does. */
    public boolean isUnprocessed() {
        return unprocessed;
    }
}
