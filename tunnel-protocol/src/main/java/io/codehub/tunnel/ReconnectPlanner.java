package io.codehub.tunnel;

import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The agent's reconnect timing as a small state machine, apart from any socket so it can be
 * tested with a fake ticker and a seeded random: counts consecutive failures, resets the count
 * after a session that stayed up {@link Backoff#healthyAfter()}, and turns each event into the
 * delay before the next attempt (full jitter, Retry-After, drain jitter). Thread-safe.
 */
final class ReconnectPlanner {

    private final Backoff backoff;
    private final RandomGenerator random;
    private final Ticker ticker;
    private int failures;
    private long openedAtNanos;
    private boolean open;

    ReconnectPlanner(Backoff backoff, RandomGenerator random, Ticker ticker) {
        this.backoff = backoff;
        this.random = random;
        this.ticker = ticker;
    }

    /** A connect or handshake failed without Retry-After: uniform in [0, ceiling(failures)). */
    synchronized Duration afterFailure() {
        Duration delay = uniform(backoff.ceiling(failures));
        failures = Math.min(failures + 1, 62);
        return delay;
    }

    /** The hub answered an error; with Retry-After the agent waits that long plus drain jitter. */
    synchronized Duration afterRejection(@Nullable Duration retryAfter) {
        if (retryAfter == null) {
            return afterFailure();
        }
        failures = Math.min(failures + 1, 62);
        return retryAfter.plus(uniform(backoff.drainJitter()));
    }

    /** A session opened; its lifetime decides whether the failure count resets. */
    synchronized void sessionOpened() {
        open = true;
        openedAtNanos = ticker.nanoTime();
    }

    /** The current session closed: back off, from zero if it was healthy. */
    synchronized Duration afterSessionClosed() {
        resetIfHealthy();
        return afterFailure();
    }

    /** The hub said GOAWAY draining: reconnect almost at once (uniform in [0, drainJitter)). */
    synchronized Duration afterDrain() {
        resetIfHealthy();
        return uniform(backoff.drainJitter());
    }

    synchronized int failures() {
        return failures;
    }

    private void resetIfHealthy() {
        if (open && ticker.nanoTime() - openedAtNanos >= backoff.healthyAfter().toNanos()) {
            failures = 0;
        }
        open = false;
    }

    private Duration uniform(Duration ceiling) {
        long nanos = ceiling.toNanos();
        return nanos <= 0 ? Duration.ZERO : Duration.ofNanos((long) (random.nextDouble() * nanos));
    }
}
