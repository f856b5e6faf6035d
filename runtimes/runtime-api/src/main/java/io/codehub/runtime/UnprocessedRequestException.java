package io.codehub.runtime;

import java.io.IOException;

import io.codehub.base.Causes;
import org.jspecify.annotations.Nullable;

/**
 * A call that provably never reached its backend: it was never sent, or the backend refused it
 * before processing any of it. Repeating it is safe whatever the call does, a non-idempotent one
 * included.
 *
 * <p>This is the one notion of "unprocessed" that a transport under {@code RemoteRuntime} shares
 * with it: a connector (the hub's tunnel connector, for an agent that is not connected, a stream
 * the agent refused, or a stream above the last stream id of the agent's GOAWAY) fails a call with
 * it, or with a cause chain holding it; {@code RemoteRuntime} turns it into a
 * {@link BackendUnavailableException} whose {@link BackendUnavailableException#isUnprocessed()} is
 * true. It is an {@link IOException} because it is a transport failure, not an answer.
 */
public class UnprocessedRequestException extends IOException {

    private static final long serialVersionUID = 1L;

    public UnprocessedRequestException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code failure} or one of its causes says that the call was never processed. */
    public static boolean in(@Nullable Throwable failure) {
        return failure != null && Causes.any(failure, UnprocessedRequestException.class);
    }
}
