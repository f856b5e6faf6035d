package io.codehub.runtime;

/** The call contradicts the current state (volume in use, foreign resource, job in progress). */
public final class ConflictException extends RuntimeProblemException {

    private static final long serialVersionUID = 1L;

    public ConflictException(ProblemType type, String detail) {
        super(type, detail);
    }

    public ConflictException(ProblemType type, String detail, Throwable cause) {
        super(type, detail, cause);
    }
}
