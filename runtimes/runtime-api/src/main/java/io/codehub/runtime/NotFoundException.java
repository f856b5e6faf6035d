package io.codehub.runtime;

/** The named instance, volume, job or archive does not exist. */
public final class NotFoundException extends RuntimeProblemException {

    private static final long serialVersionUID = 1L;

    public NotFoundException(ProblemType type, String detail) {
        super(type, detail);
    }

    public NotFoundException(ProblemType type, String detail, Throwable cause) {
        super(type, detail, cause);
    }
}
