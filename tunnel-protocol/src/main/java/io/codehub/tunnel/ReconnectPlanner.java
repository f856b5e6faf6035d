package io.codehub.tunnel;

import java.time.Duration;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import io.netty.util.concurrent.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * The agent's reconnect timing as a small state machine, apart from any socket so it can be
 * tested with a fake ticker and a seeded random: counts consecutive failures, resets the count
 * after a session that stayed up {@code healthyAfter}, tracks since when the agent has been
 * failing, and turns each event into the delay before the next attempt. The delays themselves come
 * from the {@link Backoff} (by default full jitter bounded by twice the time spent failing, see
 * {@link TunnelConnectorBuilder#DEFAULT_BACKOFF}); Retry-After and a draining GOAWAY add a spread
 * of up to {@code drainJitter}. Thread-safe.
 *
 * <h2>Outage-bounded ceiling</h2>
 * An agent whose first attempts after a hub restart drew short delays and all failed within the
 * few seconds the hub was down must not then wait up to the cap: without the failing-time bound, a
 * fleet of 10,000 always has some that do, and "all back" takes the cap's length instead of the
 * outage's. The number of attempts a down hub sees still grows only logarithmically with the
 * outage.
 */
final class ReconnectPlanner {

    private final Backoff backoff;
    private final Duration healthyAfter;
    private final @Nullable Backoff drainSpread;
    private final RandomGenerator random;
    private final Ticker ticker;
    private int failures;
    private long openedAtNanos;
    private boolean open;
    private boolean failing;
    private long failingSinceNanos;

    ReconnectPlanner(Backoff backoff, Duration healthyAfter, Duration drainJitter, RandomGenerator random,
            Ticker ticker) {
        this.backoff = backoff;
        this.healthyAfter = healthyAfter;
        this.drainSpread = drainJitter.isZero() ? null : Backoff.fixed(drainJitter).withFullJitter();
        this.random = random;
        this.ticker = ticker;
    }

    /** A connect or handshake failed without Retry-After: the backoff's delay after {@code failures}. */
    synchronized Duration afterFailure() {
        long now = ticker.nanoTime();
        if (!failing) {
            failing = true;
            failingSinceNanos = now;
        }
        Duration delay = backoff.delay(failures, Duration.ofNanos(Math.max(0, now - failingSinceNanos)), random);
        failures = Math.min(failures + 1, 62);
        return delay;
    }

    /** The hub answered an error; with Retry-After the agent waits that long plus drain jitter. */
    synchronized Duration afterRejection(@Nullable Duration retryAfter) {
        if (retryAfter == null) {
            return afterFailure();
        }
        failures = Math.min(failures + 1, 62);
        return retryAfter.plus(drainSpread());
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
        return drainSpread();
    }

    synchronized int failures() {
        return failures;
    }

    private void resetIfHealthy() {
        if (open && ticker.nanoTime() - openedAtNanos >= healthyAfter.toNanos()) {
            failures = 0;
        }
        open = false;
    }

    private Duration drainSpread() {
        return drainSpread == null ? Duration.ZERO : drainSpread.delay(0, random);
    }
}
