package io.codehub.base;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * A token bucket of failures per key (a client address), kept as a GCRA "theoretical arrival
 * time" so one long per key is all the state. A key may fail {@code burst} times in a row, then
 * earns one attempt back per {@code refill} period; while its bucket is empty the caller refuses
 * it (429 with {@link #retryAfter}) before doing the expensive or guessable check. The tunnel
 * port's failed authentications and the Hub API's failed admin tokens both count here.
 *
 * <p>Thread-safe. The table is capped at {@code maxTracked} keys: when full, expired entries are
 * swept, and if it is still full a new key is not tracked (fail open), so an attacker with many
 * addresses cannot lock others out by filling it.
 */
public final class FailureBudget<K> {

    private final long refillNanos;
    private final long burstNanos;
    private final int maxTracked;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<K, Long> arrival = new ConcurrentHashMap<>();

    /**
     * @param burst      failures in a row before a key is refused
     * @param refill     a key earns back one attempt per this period
     * @param maxTracked keys remembered at most
     * @param nanoTime   monotonic time (a fake one in tests)
     */
    public FailureBudget(int burst, Duration refill, int maxTracked, LongSupplier nanoTime) {
        this.refillNanos = Checks.positive("failedAuthRefillPeriod", refill).toNanos();
        this.burstNanos = Checks.positive("failedAuthBurst", burst) * refillNanos;
        this.maxTracked = Checks.positive("maxTracked", maxTracked);
        this.nanoTime = nanoTime;
    }

    /** Null when {@code key} may try, else how long it must wait. */
    public @Nullable Duration retryAfter(K key) {
        Long tat = arrival.get(key);
        if (tat == null) {
            return null;
        }
        // A bucket of `burst` tokens, one back per `refill`: the next failure fits while the
        // debt (tat - now) leaves room for one more period.
        long allowance = burstNanos - refillNanos;
        long debt = tat - nanoTime.getAsLong();
        return debt <= allowance ? null : Duration.ofNanos(debt - allowance);
    }

    /** Spends one token of {@code key}. */
    public void recordFailure(K key) {
        long now = nanoTime.getAsLong();
        if (arrival.size() >= maxTracked && !arrival.containsKey(key)) {
            arrival.values().removeIf(tat -> tat - now <= 0);
            if (arrival.size() >= maxTracked) {
                return;
            }
        }
        arrival.merge(key, now + refillNanos, (old, fresh) -> Math.max(old, now) + refillNanos);
    }

    /** Keys remembered now. */
    public int tracked() {
        return arrival.size();
    }

    /**
     * The unit a network client is counted by: an IPv4 address itself, an IPv6 address's /64 (the
     * unit a single host usually controls).
     */
    public static InetAddress sourceOf(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] prefix = Arrays.copyOf(Arrays.copyOf(address.getAddress(), 8), 16);
        try {
            return InetAddress.getByAddress(prefix);
        } catch (UnknownHostException impossible) {
            return address;
        }
    }
}
