package io.codehub.web;

import org.jspecify.annotations.Nullable;

/**
 * Wording of failures in problem details. (The search of a cause chain is
 * {@link io.codehub.base.Causes}.)
 */
public final class Failures {

    private Failures() {
    }

    /** The first line of {@code message}: Jackson messages carry a source excerpt on later lines. */
    public static String firstLine(@Nullable String message) {
        return message == null ? "invalid value" : message.lines().findFirst().orElse(message);
    }
}
