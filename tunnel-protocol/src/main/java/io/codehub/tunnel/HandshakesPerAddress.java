package io.codehub.tunnel;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.base.Checks;
import org.jspecify.annotations.Nullable;

/**
 * Connections of one source address that have not finished their handshake (waiting for one to
 * start, not yet answered 101, or an endpoint request still open): at most {@code max} each, so one
 * address cannot hold every socket of the hub with idle or slow handshakes, nor fill the queue of
 * those waiting. Authenticated sessions do not count: many agents behind one NAT address are fine,
 * only their simultaneous handshakes are capped. Handshakes in progress from all addresses together
 * have at most {@code maxInAll} slots (a fleet reconnecting at once: the hub finishes the TLS
 * handshakes and authentications it started within their timeout instead of starting all and
 * finishing none). IPv6 sources are keyed by their /64, as in {@link FailedAuthRateLimiter}.
 *
 * <p>Shared by every event loop of a server, hence thread-safe. An entry exists only while its
 * address has a connection counted, so the table never holds more entries than open connections.
 *
 * <h2>All addresses</h2>
 * When all addresses together hold {@code maxInAll}, new connections wait for a slot in the
 * {@link HandshakeQueue} (accepted, before TLS) instead of being closed: a fleet reconnecting at
 * once so waits its turn for a few seconds instead of backing off for up to its backoff cap, and the
 * hub stays busy at its pace. A slot can be taken past {@code maxInAll} only by a caller that does
 * not ask {@link #full()} first.
 */
final class HandshakesPerAddress {

    private final int max;
    private final int maxInAll;
    private final AtomicInteger inAll = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    HandshakesPerAddress(int max) {
        this(max, Integer.MAX_VALUE);
    }

    HandshakesPerAddress(int max, int maxInAll) {
        this.max = Checks.positive("maxHandshakesPerAddress", max);
        this.maxInAll = Checks.positive("maxHandshakes", maxInAll);
    }

    /**
     * Counts a connection against its address's share only (one waiting for a slot of all addresses
     * together counts too): the action that gives it back (safe to run more than once), or null when
     * the address has {@code max} connections counted already.
     */
    @Nullable Runnable tryAcquireShare(InetAddress source) {
        InetAddress key = FailedAuthRateLimiter.key(source);
        boolean[] taken = new boolean[1];
        open.compute(key, (k, count) -> {
            int current = count == null ? 0 : count;
            if (current >= max) {
                return count;
            }
            taken[0] = true;
            return current + 1;
        });
        if (!taken[0]) {
            return null;
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                open.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
            }
        };
    }

    /**
     * Takes one of all addresses' {@code maxInAll} slots, even past it (callers ask {@link #full()}
     * first): the action that gives it back (safe to run more than once).
     */
    Runnable acquireSlot() {
        inAll.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                inAll.decrementAndGet();
            }
        };
    }

    /** Handshakes in progress from all addresses together. */
    int inProgress() {
        return inAll.get();
    }

    /** Whether all addresses together hold {@code maxInAll} handshakes. */
    boolean full() {
        return inAll.get() >= maxInAll;
    }

    /** Connections counted against {@code source}'s address (or /64): handshakes open and connections waiting. */
    int openFrom(InetAddress source) {
        return open.getOrDefault(FailedAuthRateLimiter.key(source), 0);
    }

    int max() {
        return max;
    }
}
