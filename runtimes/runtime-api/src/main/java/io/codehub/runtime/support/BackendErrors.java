package io.codehub.runtime.support;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * What every runtime's error mapping needs to know about an exception whatever library threw it:
 * whether it means the backend could not be reached, and the words to report. The mapping of a
 * library's own exceptions stays in each runtime.
 *
 * <p>For {@code Runtime} implementations.
 */
public final class BackendErrors {

    /** The longest backend message a problem detail quotes. */
    public static final int MAX_MESSAGE = 1024;

    private BackendErrors() {
    }

    /**
     * Whether {@code error} or a cause is an I/O failure, a timeout or a rejection by the full call
     * queue: the backend was not reached (or not in time), as opposed to answering with an error.
     */
    public static boolean isUnreachable(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof IOException || cause instanceof RejectedExecutionException
                    || cause instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The message of the deepest cause, or its simple class name when it has none. */
    public static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
    }

    /** A backend's message, stripped and cut to {@value #MAX_MESSAGE} characters. */
    public static String quote(String message) {
        String stripped = message.strip();
        return stripped.length() > MAX_MESSAGE ? stripped.substring(0, MAX_MESSAGE) + "..." : stripped;
    }
}
