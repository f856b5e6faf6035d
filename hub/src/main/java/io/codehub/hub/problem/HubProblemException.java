package io.codehub.hub.problem;

import java.util.Objects;

/**
 * A failure of a hub API call with a stable {@link HubProblemType}; served as problem+json by
 * {@link HubProblemMapper}. The detail says what was attempted on what.
 */
public final class HubProblemException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final HubProblemType type;

    public HubProblemException(HubProblemType type, String detail) {
        super(Objects.requireNonNull(detail, "detail"));
        this.type = Objects.requireNonNull(type, "type");
    }

    /** The problem type. */
    public HubProblemType type() {
        return type;
    }

    /** The occurrence-specific explanation (RFC 9457 {@code detail}). */
    public String detail() {
        return getMessage();
    }

    /** An {@code agent-not-found} problem for {@code agentId}. */
    public static HubProblemException agentNotFound(String agentId) {
        return new HubProblemException(HubProblemType.AGENT_NOT_FOUND, "no agent with id '" + shorten(agentId) + "'");
    }

    /** A {@code workspace-not-found} problem for {@code workspaceId}. */
    public static HubProblemException workspaceNotFound(String workspaceId) {
        return new HubProblemException(HubProblemType.WORKSPACE_NOT_FOUND,
                "no workspace with id '" + shorten(workspaceId) + "'");
    }

    /** A {@code validation-failed} problem about {@code field}. */
    public static HubProblemException invalid(String field, String problem) {
        return new HubProblemException(HubProblemType.VALIDATION_FAILED, field + ": " + problem);
    }

    static String shorten(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }
}
