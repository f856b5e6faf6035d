package io.codehub.hub.gateway;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open gateway connections per client IP address, capped ({@code CODEHUB_HUB_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS}):
 * one address (a slowloris, a flood of idle sockets) cannot take every connection the gateway
 * allows. An address leaves the map with its last connection, so the map holds only addresses
 * with open connections, at most the gateway's connection cap.
 */
final class ConnectionsPerAddress {

    private final int max;
    private final ConcurrentHashMap<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();

    ConnectionsPerAddress(int max) {
        if (max <= 0) {
            throw new IllegalArgumentException("max: " + max + " (expected: > 0)");
        }
        this.max = max;
    }

    /** Counts a new connection from {@code address}; false (and nothing counted) when it already has {@code max}. */
    boolean tryOpen(InetAddress address) {
        boolean[] admitted = new boolean[1];
        open.compute(address, (a, count) -> {
            AtomicInteger c = count != null ? count : new AtomicInteger();
            if (c.get() < max) {
                c.incrementAndGet();
                admitted[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        return admitted[0];
    }

    /** A connection {@link #tryOpen} admitted has closed. */
    void closed(InetAddress address) {
        open.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /** Open connections from {@code address} now. */
    int open(InetAddress address) {
        AtomicInteger count = open.get(address);
        return count == null ? 0 : count.get();
    }
}
