package io.codehub.tunnel;

import java.time.Duration;

import io.codehub.base.Checks;

/**
 * Reconnect timing of an agent: exponential backoff with full jitter. After the {@code n}-th
 * consecutive failure (counting from 0) the agent waits a uniformly random time in
 * {@code [0, min(cap, base * 2^n)]}. The failure count goes back to 0 once a session has stayed up
 * for {@code healthyAfter}. After a GOAWAY from a draining hub it reconnects after a random time
 * in {@code [0, drainJitter]}; after a 429 or 503 it waits at least {@code Retry-After} (plus up to
 * {@code drainJitter}).
 *
 * @param base first backoff ceiling (default 1 s)
 * @param cap largest backoff ceiling (default 30 s)
 * @param healthyAfter how long a session must stay up to reset the failure count (default 60 s)
 * @param drainJitter spread of reconnects after a draining GOAWAY or a Retry-After (default 1 s)
 */
public record Backoff(Duration base, Duration cap, Duration healthyAfter, Duration drainJitter) {

    /** Base 1 s, cap 30 s, healthy after 60 s, drain jitter 1 s. */
    public static final Backoff DEFAULT = new Backoff(
            Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(1));

    public Backoff {
        Checks.positive("base", base);
        Checks.positive("cap", cap);
        Checks.positive("healthyAfter", healthyAfter);
        Checks.notNegative("drainJitter", drainJitter);
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("cap: " + cap + " (expected: >= base " + base + ")");
        }
    }

    /** The backoff ceiling after {@code failures} consecutive failures: min(cap, base * 2^n). */
    public Duration ceiling(int failures) {
        Checks.notNegative("failures", failures);
        // 2^31 * 1 ns already exceeds any sane cap; stop doubling well before overflow.
        int shift = Math.min(failures, 31);
        long baseNanos = base.toNanos();
        long capNanos = cap.toNanos();
        if (baseNanos > (capNanos >> shift)) {
            return cap;
        }
        return Duration.ofNanos(Math.min(capNanos, baseNanos << shift));
    }
}
