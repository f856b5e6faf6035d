package io.codehub.agent.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import org.jspecify.annotations.Nullable;

/**
 * When to renew and when to retry: renew at {@code renewAt} of the certificate's validity period;
 * after a failure retry as {@code retry} says ({@link #RETRY}: 30 s doubling per failure up to
 * 10 min, each delay drawn within ±25 % so that agents refused together do not return together,
 * and kept within those bounds), and never sooner than the hub's {@code Retry-After}.
 */
record RenewalTiming(double renewAt, Backoff retry) {

    /** 30 s doubling to 10 min, ±25 % jitter. */
    static final Backoff RETRY = Backoff.exponential(Duration.ofSeconds(30), Duration.ofMinutes(10))
            .withProportionalJitter(0.25);

    RenewalTiming {
        if (!(renewAt > 0 && renewAt < 1)) {
            throw new IllegalArgumentException("renewAt: " + renewAt + " (expected: between 0 and 1, exclusive)");
        }
        Objects.requireNonNull(retry, "retry");
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
     * @param random source of the jitter
     */
    Duration retryDelay(int failures, @Nullable Duration retryAfter, RandomGenerator random) {
        Duration delay = retry.delay(Math.max(failures, 1) - 1, random);
        return retryAfter != null && retryAfter.compareTo(delay) > 0 ? retryAfter : delay;
    }
}
