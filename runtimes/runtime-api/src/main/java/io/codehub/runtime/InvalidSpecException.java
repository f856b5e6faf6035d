package io.codehub.runtime;

/** The request is invalid: bad workspace id, bad field, malformed body, or an image that is unavailable. */
public final class InvalidSpecException extends RuntimeProblemException {

    private static final long serialVersionUID = 1L;

    public InvalidSpecException(ProblemType type, String detail) {
        super(type, detail);
    }

    public InvalidSpecException(ProblemType type, String detail, Throwable cause) {
        super(type, detail, cause);
    }
}
