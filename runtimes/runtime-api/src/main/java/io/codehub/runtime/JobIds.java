package io.codehub.runtime;

import java.util.UUID;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Job ids: lower-case UUIDs, whether the agent picks them or the caller does (a caller that picks
 * one can ask again after a lost answer without starting a second job). The form also keeps them
 * valid in every backend's object names.
 */
public final class JobIds {

    private static final Pattern UUID_FORM = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private JobIds() {
    }

    /** A new random job id. */
    public static String random() {
        return UUID.randomUUID().toString();
    }

    /** Whether {@code jobId} has the form of a job id. */
    public static boolean isValid(String jobId) {
        return UUID_FORM.matcher(jobId).matches();
    }

    /** Refuses a requested job id that is not a lower-case UUID; {@code null} (none requested) passes. */
    static void checkRequested(@Nullable String jobId) {
        if (jobId != null && !isValid(jobId)) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "jobId: '" + (jobId.length() > 40
                    ? jobId.substring(0, 40) + "..." : jobId) + "' (expected a lower-case UUID)");
        }
    }
}
