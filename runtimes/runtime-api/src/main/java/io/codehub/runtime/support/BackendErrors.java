package io.codehub.runtime.support;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import io.codehub.base.Causes;

/**
 * What every runtime's error mapping needs to know about an exception whatever library threw it:
 * whether it means the backend could not be reached, and how to quote its words (the words
 * themselves are {@link Causes#rootMessage}). The mapping of a library's own exceptions stays in
 * each runtime.
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
        return Causes.any(error, IOException.class, RejectedExecutionException.class, TimeoutException.class);
    }

    /** A backend's message, stripped and cut to {@value #MAX_MESSAGE} characters. */
    public static String quote(String message) {
        String stripped = message.strip();
        return stripped.length() > MAX_MESSAGE ? stripped.substring(0, MAX_MESSAGE) + "..." : stripped;
    }
}
