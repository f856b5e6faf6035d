package io.codehub.agent.tls;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * When to renew and when to retry: renew at {@code renewAt} of the certificate's validity period;
 * after a failure retry with exponential backoff from {@code minRetry} to {@code maxRetry} (the
 * delay doubles per failure, then a random factor of 0.75 to 1.25 so that agents refused together
 * do not return together, clamped to the bounds), and never sooner than the hub's {@code Retry-After}.
 */
record RenewalTiming(double renewAt, Duration minRetry, Duration maxRetry) {

    static final Duration MIN_RETRY = Duration.ofSeconds(30);
    static final Duration MAX_RETRY = Duration.ofMinutes(10);

    RenewalTiming {
        if (!(renewAt > 0 && renewAt < 1)) {
            throw new IllegalArgumentException("renewAt: " + renewAt + " (expected: between 0 and 1, exclusive)");
        }
        if (minRetry.isNegative() || minRetry.isZero() || maxRetry.compareTo(minRetry) < 0) {
            throw new IllegalArgumentException("retry: " + minRetry + " to " + maxRetry + " (expected: 0 < min <= max)");
        }
    }

    /** Whether {@code credential} is due for renewal at {@code now}. */
    boolean due(Credential credential, Instant now) {
        return !now.isBefore(credential.renewalPoint(renewAt));
    }

    /**
     * When to renew a certificate just obtained. Should its renewal point already have passed (a
     * validity so short that the CA's backdating of notBefore dominates), half the remaining time,
     * so that renewals never run back to back.
     */
    Instant nextRenewal(Credential credential, Instant now) {
        Instant point = credential.renewalPoint(renewAt);
        if (point.isAfter(now)) {
            return point;
        }
        Duration left = Duration.between(now, credential.notAfter());
        return left.isNegative() ? now : now.plus(left.dividedBy(2));
    }

    /**
     * The delay before attempt {@code failures + 1}.
     *
     * @param failures consecutive failures so far, at least 1
     * @param random uniform in [0, 1)
     */
    Duration retryDelay(int failures, @Nullable Duration retryAfter, double random) {
        int doublings = Math.min(Math.max(failures, 1) - 1, 20);
        Duration ceiling = minRetry.multipliedBy(1L << doublings);
        if (ceiling.compareTo(maxRetry) > 0) {
            ceiling = maxRetry;
        }
        Duration delay = Duration.ofMillis((long) (ceiling.toMillis() * (0.75 + 0.5 * random)));
        if (delay.compareTo(minRetry) < 0) {
            delay = minRetry;
        } else if (delay.compareTo(maxRetry) > 0) {
            delay = maxRetry;
        }
        return retryAfter != null && retryAfter.compareTo(delay) > 0 ? retryAfter : delay;
    }
}
