package io.codehub.hub.remote;

import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import io.codehub.base.Checks;
import io.codehub.hub.schedule.BackoffRetry;
import io.codehub.runtime.BackendUnavailableException;
import reactor.util.retry.RetrySpec;

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
 * @param random          jitter of the retry delays; thread-safe (calls retry on many threads)
 */
public record RemoteCallPolicy(Duration callTimeout, int maxRetries, Duration retryBackoff, Duration retryMaxBackoff,
        RandomGenerator random) {

    public RemoteCallPolicy {
        Checks.positive("callTimeout", callTimeout);
        Checks.notNegative("maxRetries", maxRetries);
        backoff(retryBackoff, retryMaxBackoff); // refuses a longest delay below the first
    }

    /** With a fresh {@link Random} for the jitter. */
    public RemoteCallPolicy(Duration callTimeout, int maxRetries, Duration retryBackoff, Duration retryMaxBackoff) {
        this(callTimeout, maxRetries, retryBackoff, retryMaxBackoff, new Random());
    }

    /** The delays between attempts: {@code retryBackoff} doubling to {@code retryMaxBackoff}, ±50 %. */
    private static Backoff backoff(Duration retryBackoff, Duration retryMaxBackoff) {
        return Backoff.exponential(retryBackoff, retryMaxBackoff).withProportionalJitter(0.5);
    }

    /** The retry of a call: any unavailability when {@code idempotent}, else only an unprocessed one. */
    RetrySpec retry(boolean idempotent) {
        return BackoffRetry.of(backoff(retryBackoff, retryMaxBackoff), maxRetries, random)
                .filter(error -> retryable(error, idempotent));
    }

    /** Whether a failed call may be repeated: it did not happen, or repeating it changes nothing. */
    static boolean retryable(Throwable error, boolean idempotent) {
        return error instanceof BackendUnavailableException unavailable && (idempotent || unavailable.isUnprocessed());
    }
}
