package io.codehub.hub.schedule;

import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import reactor.util.retry.RetrySpec;

/**
 * Reactor's {@code retryWhen} with the delays of a {@link Backoff}, the hub's one retry delay policy
 * (Reactor's own {@code Retry.backoff} is not used: its jitter draws from a random source a test
 * cannot pin). Before retry {@code n} ({@code n = 0} before the first) it waits
 * {@code backoff.delay(n, random)}; once {@code maxRetries} retries have failed, the error is the
 * last failure itself, not Reactor's "retries exhausted" wrapper. Callers add their own
 * {@link RetrySpec#filter filter} and logging to the spec.
 */
public final class BackoffRetry {

    private BackoffRetry() {
    }

    /**
     * At most {@code maxRetries} retries ({@link Long#MAX_VALUE}: without end), each after the
     * backoff's delay for the retries so far.
     */
    public static RetrySpec of(Backoff backoff, long maxRetries, RandomGenerator random) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries: " + maxRetries + " (expected: 0 or more)");
        }
        return Retry.max(maxRetries)
                .doBeforeRetryAsync(signal -> Mono.delay(backoff.delay(
                        (int) Math.min(Integer.MAX_VALUE, signal.totalRetries()), random)).then())
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }
}
