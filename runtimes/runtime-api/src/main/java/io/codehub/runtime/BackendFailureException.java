package io.codehub.runtime;

import org.jspecify.annotations.Nullable;

/** The backend or the agent failed in an unexpected way (502/500, or an auth failure seen remotely). */
public final class BackendFailureException extends RuntimeProblemException {

    private static final long serialVersionUID = 1L;

    public BackendFailureException(ProblemType type, String detail, @Nullable Throwable cause) {
        super(type, detail, cause);
    }
}
