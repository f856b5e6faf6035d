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
 *
 * <h2>Outage-bounded ceiling</h2>
 * The full-jitter ceiling is {@code min(base * 2^failures, cap)} and, in addition, never more
 * than twice the time the agent has been failing (at least {@code base}). Over a long outage that
 * is the plain exponential; but an agent whose first attempts after a hub restart drew short
 * delays and all failed within the few seconds the hub was down must not then wait up to the cap:
 * without the bound, a fleet of 10,000 always has some that do, and "all back" takes the cap's
 * length instead of the outage's. The number of attempts a down hub sees still grows only
 * logarithmically with the outage.
 */
final class ReconnectPlanner {

    private final Backoff backoff;
    private final RandomGenerator random;
    private final Ticker ticker;
    private int failures;
    private long openedAtNanos;
    private boolean open;
    private boolean failing;
    private long failingSinceNanos;

    ReconnectPlanner(Backoff backoff, RandomGenerator random, Ticker ticker) {
        this.backoff = backoff;
        this.random = random;
        this.ticker = ticker;
    }

    /** A connect or handshake failed without Retry-After: uniform in [0, ceiling(failures)). */
    synchronized Duration afterFailure() {
        long now = ticker.nanoTime();
        if (!failing) {
            failing = true;
            failingSinceNanos = now;
        }
        long exponential = backoff.ceiling(failures).toNanos();
        long outage = Math.max(backoff.base().toNanos(), 2 * Math.max(0, now - failingSinceNanos));
        Duration delay = uniform(Duration.ofNanos(Math.min(exponential, outage)));
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
        failing = false;
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
