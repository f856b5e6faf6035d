package io.codehub.runtime;

import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A validated workspace id: {@code [a-z0-9][a-z0-9-]{0,62}}, so that it is safe in a container,
 * pod, volume or DNS name before it ever reaches a backend.
 */
public record WorkspaceId(String value) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    public WorkspaceId {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new InvalidSpecException(ProblemType.INVALID_WORKSPACE_ID,
                    "workspaceId: " + describe(value) + " (expected: [a-z0-9][a-z0-9-]{0,62})");
        }
    }

    @JsonCreator
    public static WorkspaceId of(String value) {
        return new WorkspaceId(value);
    }

    /** Whether {@code value} is a valid workspace id. */
    public static boolean isValid(String value) {
        return value != null && VALID.matcher(value).matches();
    }

    @JsonValue
    @Override
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }

    private static String describe(String value) {
        if (value == null) {
            return "missing";
        }
        // Never echo unbounded input back into an error message.
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return "'" + shown + "'";
    }
}
