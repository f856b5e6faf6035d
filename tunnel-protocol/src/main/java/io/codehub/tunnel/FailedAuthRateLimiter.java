package io.codehub.tunnel;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.base.Checks;
import io.netty.util.concurrent.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * Per-source token bucket of failed authentications, kept as a GCRA "theoretical arrival time"
 * so one long per address is all the state. A source may fail {@code burst} times in a row, then
 * earns one attempt back per {@code refill} period; while its bucket is empty the hub answers 429
 * before running the (expensive) authenticator. IPv6 sources are keyed by their /64, the unit a
 * single host usually controls.
 *
 * <p>Shared by every event loop of a server, hence thread-safe. The table is capped at
 * {@value #MAX_TRACKED} sources: when full, expired entries are swept, and if it is still full a
 * new source is not tracked (fail open), so an attacker with many addresses cannot lock agents
 * out; the authenticator's own bounded pool caps the damage.
 */
final class FailedAuthRateLimiter {

    static final int MAX_TRACKED = 65_536;

    private final long refillNanos;
    private final long burstNanos;
    private final Ticker ticker;
    private final ConcurrentHashMap<InetAddress, Long> arrival = new ConcurrentHashMap<>();

    FailedAuthRateLimiter(int burst, Duration refill, Ticker ticker) {
        this.refillNanos = Checks.positive("failedAuthRefillPeriod", refill).toNanos();
        this.burstNanos = Checks.positive("failedAuthBurst", burst) * refillNanos;
        this.ticker = ticker;
    }

    /** Null when the source may try to authenticate, else how long it must wait. */
    @Nullable Duration retryAfter(InetAddress source) {
        Long tat = arrival.get(key(source));
        if (tat == null) {
            return null;
        }
        long now = ticker.nanoTime();
        // A bucket of `burst` tokens, one back per `refill`: the next failure fits while the
        // debt (tat - now) leaves room for one more period.
        long allowance = burstNanos - refillNanos;
        long debt = tat - now;
        return debt <= allowance ? null : Duration.ofNanos(debt - allowance);
    }

    /** Spends one token of the source. */
    void recordFailure(InetAddress source) {
        InetAddress key = key(source);
        long now = ticker.nanoTime();
        if (arrival.size() >= MAX_TRACKED && !arrival.containsKey(key)) {
            arrival.values().removeIf(tat -> tat - now <= 0);
            if (arrival.size() >= MAX_TRACKED) {
                return;
            }
        }
        arrival.merge(key, now + refillNanos, (old, fresh) -> Math.max(old, now) + refillNanos);
    }

    int trackedSources() {
        return arrival.size();
    }

    /** The unit a source is counted by: the address itself, or its /64 for IPv6. */
    static InetAddress key(InetAddress source) {
        if (!(source instanceof Inet6Address)) {
            return source;
        }
        byte[] prefix = Arrays.copyOf(Arrays.copyOf(source.getAddress(), 8), 16);
        try {
            return InetAddress.getByAddress(prefix);
        } catch (UnknownHostException impossible) {
            return source;
        }
    }
}
