package io.codehub.runtime;

import org.jspecify.annotations.Nullable;

/** The container backend (or, seen from the hub, the agent) cannot be reached; worth retrying later. */
public final class BackendUnavailableException extends RuntimeProblemException {

    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String detail, @Nullable Throwable cause) {
        super(ProblemType.BACKEND_UNAVAILABLE, detail, cause);
    }
}
