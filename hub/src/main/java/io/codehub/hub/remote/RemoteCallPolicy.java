package io.codehub.hub.remote;

import java.time.Duration;

import io.codehub.base.Checks;
import io.codehub.runtime.BackendUnavailableException;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * How RemoteRuntime calls an agent: a timeout per attempt, and for idempotent calls only,
 * retries after a transport failure, a timeout or a 503 ({@link BackendUnavailableException}),
 * with exponential backoff and jitter. Problems the agent states (404, 409, 400...) are never
 * retried: they would only be stated again.
 *
 * @param callTimeout     longest one attempt may take
 * @param maxRetries      retries after the first attempt
 * @param retryBackoff    first retry delay, doubled each time
 * @param retryMaxBackoff longest retry delay
 */
public record RemoteCallPolicy(Duration callTimeout, int maxRetries, Duration retryBackoff, Duration retryMaxBackoff) {

    public RemoteCallPolicy {
        Checks.positive("callTimeout", callTimeout);
        Checks.notNegative("maxRetries", maxRetries);
    }

    /** The retry of idempotent calls. */
    RetryBackoffSpec retry() {
        return Retry.backoff(maxRetries, retryBackoff)
                .maxBackoff(retryMaxBackoff)
                .jitter(0.5)
                .filter(BackendUnavailableException.class::isInstance)
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }
}
