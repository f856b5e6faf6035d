package io.codehub.runtime;

import java.util.Objects;

/**
 * A failure of a {@link Runtime} call with a stable {@link ProblemType}. The agent serves it as
 * RFC 9457 problem+json; {@code RemoteRuntime} turns such a response back into the same type.
 * The message says what was attempted on what, and never holds secrets.
 */
public abstract class RuntimeProblemException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ProblemType type;

    protected RuntimeProblemException(ProblemType type, String detail, Throwable cause) {
        super(Objects.requireNonNull(detail, "detail"), cause);
        this.type = Objects.requireNonNull(type, "type");
    }

    protected RuntimeProblemException(ProblemType type, String detail) {
        this(type, detail, null);
    }

    /** The problem type, i.e. the stable identity of this failure. */
    public ProblemType type() {
        return type;
    }

    /** The human-readable, occurrence-specific explanation (RFC 9457 {@code detail}). */
    public String detail() {
        return getMessage();
    }

    /** The exception class that stands for {@code type}, so a remote problem becomes a local one. */
    public static RuntimeProblemException of(ProblemType type, String detail) {
        return switch (type.status()) {
            case 404 -> new NotFoundException(type, detail);
            case 409 -> new ConflictException(type, detail);
            case 400, 413, 415, 422 -> new InvalidSpecException(type, detail);
            case 503 -> new BackendUnavailableException(detail, null);
            default -> new BackendFailureException(type, detail, null);
        };
    }
}
