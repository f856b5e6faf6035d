package io.codehub.tunnel;

import java.net.InetAddress;
import java.time.Duration;

import io.codehub.base.FailureBudget;
import io.netty.util.concurrent.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * The tunnel port's failed-authentication budget per source address (a {@link FailureBudget}):
 * a source may fail {@code burst} times in a row, then earns one attempt back per {@code refill}
 * period; while its bucket is empty the hub answers 429 before running the (expensive)
 * authenticator. IPv6 sources are keyed by their /64, the unit a single host usually controls.
 *
 * <p>Shared by every event loop of a server, hence thread-safe. At most {@value #MAX_TRACKED}
 * sources are tracked (fail open beyond), so an attacker with many addresses cannot lock agents
 * out; the authenticator's own bounded pool caps the damage.
 */
final class FailedAuthRateLimiter {

    static final int MAX_TRACKED = 65_536;

    private final FailureBudget<InetAddress> budget;

    FailedAuthRateLimiter(int burst, Duration refill, Ticker ticker) {
        this.budget = new FailureBudget<>(burst, refill, MAX_TRACKED, ticker::nanoTime);
    }

    /** Null when the source may try to authenticate, else how long it must wait. */
    @Nullable Duration retryAfter(InetAddress source) {
        return budget.retryAfter(key(source));
    }

    /** Spends one token of the source. */
    void recordFailure(InetAddress source) {
        budget.recordFailure(key(source));
    }

    int trackedSources() {
        return budget.tracked();
    }

    /** The unit a source is counted by: the address itself, or its /64 for IPv6. */
    static InetAddress key(InetAddress source) {
        return FailureBudget.sourceOf(source);
    }
}
