package io.codehub.web;

import org.jspecify.annotations.Nullable;

/** Looking through a failure's cause chain. */
public final class Failures {

    private Failures() {
    }

    /** The first throwable of {@code type} in {@code failure}'s cause chain, or {@code null}. */
    public static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The first line of {@code message}: Jackson messages carry a source excerpt on later lines. */
    public static String firstLine(@Nullable String message) {
        return message == null ? "invalid value" : message.lines().findFirst().orElse(message);
    }
}
