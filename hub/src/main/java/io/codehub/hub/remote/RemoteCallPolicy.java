package io.codehub.hub.remote;

import java.time.Duration;

import io.codehub.runtime.BackendUnavailableException;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * How RemoteRuntime calls an agent: a timeout per attempt, and retries with exponential backoff and
 * jitter: for idempotent calls after a transport failure, a timeout or a 503
 * ({@link BackendUnavailableException}); for any call after a failure the agent provably never
 * processed ({@link BackendUnavailableException#isUnprocessed()}). Problems the agent states (404,
 * 409, 400...) are never retried: they would only be stated again.
 *
 * @param callTimeout     longest one attempt may take
 * @param maxRetries      retries after the first attempt
 * @param retryBackoff    first retry delay, doubled each time
 * @param retryMaxBackoff longest retry delay
 */
public record RemoteCallPolicy(Duration callTimeout, int maxRetries, Duration retryBackoff, Duration retryMaxBackoff) {

    public RemoteCallPolicy {
        if (callTimeout.isZero() || callTimeout.isNegative()) {
            throw new IllegalArgumentException("callTimeout: " + callTimeout + " (expected: > 0)");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries: " + maxRetries + " (expected: >= 0)");
        }
    }

    /** The retry of a call: any unavailability when {@code idempotent}, else only an unprocessed one. */
    RetryBackoffSpec retry(boolean idempotent) {
        return Retry.backoff(maxRetries, retryBackoff)
                .maxBackoff(retryMaxBackoff)
                .jitter(0.5)
                .filter(error -> retryable(error, idempotent))
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }

    /** Whether a failed call may be repeated: it did not happen, or repeating it changes nothing. */
    static boolean retryable(Throwable error, boolean idempotent) {
        return error instanceof BackendUnavailableException unavailable && (idempotent || unavailable.isUnprocessed());
    }
}
