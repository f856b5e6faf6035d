package io.codehub.tunnel;

import java.time.Duration;

import io.codehub.base.Checks;

/**
 * Liveness settings of a tunnel. The hub sends an HTTP/2 PING every {@code interval} and closes
 * the connection when its ACK has not arrived within {@code ackTimeout}; it tells the agent the
 * interval in the 101 response, and the agent closes after hearing nothing (no frame at all) for
 * {@value TunnelProtocol#AGENT_IDLE_INTERVALS} intervals.
 *
 * @param interval time between two PINGs, whole seconds because it travels in a header, at most
 *     {@link TunnelProtocol#MAX_KEEPALIVE_INTERVAL} (default 15 s)
 * @param ackTimeout how long the hub waits for a PING ACK; at most two intervals. While a PING is
 *     outstanding the hub sends no other, so an ACK timeout longer than the interval only makes the
 *     hub patient with an agent that is slow to answer (a busy machine), never doubles the traffic
 */
public record Keepalive(Duration interval, Duration ackTimeout) {

    /** The longest ACK timeout {@link #withInterval} gives. */
    static final Duration MAX_DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(9);

    /**
     * 15 s interval, 9 s ACK timeout: a half-open connection is noticed by the hub within 24 s
     * (interval + ACK timeout), by an agent on epoll or NIO within 8 s (its kernel probes a path
     * quiet for {@link TunnelTransport#PATH_QUIET}, {@link TunnelTransport#probeDeadPaths}) and by
     * any agent within 45 s (its idle deadline), while an agent whose machine is busy for a few
     * seconds (or a hub working through a reconnect storm) does not lose its tunnel over one late ACK.
     * A PING costs the hub a TLS record written and one read, a system call each: at 10,000 tunnels
     * the 5 s interval used until 2026-12-07 was 2,000 of each a second, about a third of an idle
     * fleet's cost to the hub (docs/benchmarks.md, "Fleet").
     */
    public static final Keepalive DEFAULT = withInterval(Duration.ofSeconds(15));

    /**
     * 5 s interval, 9 s ACK timeout: the hub-to-hub relay connections ({@link RelayClient},
     * {@link RelayServer}), one per pair of hubs, where a PING costs next to nothing and a dead peer
     * hub is best noticed within 14 s.
     */
    public static final Keepalive RELAY = withInterval(Duration.ofSeconds(5));

    public Keepalive {
        Checks.wholeSeconds("interval", interval);
        if (interval.compareTo(TunnelProtocol.MAX_KEEPALIVE_INTERVAL) > 0) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: <= "
                    + TunnelProtocol.MAX_KEEPALIVE_INTERVAL + ", which agents accept)");
        }
        Checks.positive("ackTimeout", ackTimeout);
        if (ackTimeout.compareTo(interval.multipliedBy(2)) > 0) {
            throw new IllegalArgumentException(
                    "ackTimeout: " + ackTimeout + " (expected: <= two intervals, " + interval.multipliedBy(2) + ")");
        }
    }

    /**
     * A keepalive with a PING every {@code interval} and the default ACK timeout (9 s), or two
     * intervals when that is shorter.
     *
     * @throws IllegalArgumentException when {@code interval} is not a positive number of whole seconds
     *     up to {@link TunnelProtocol#MAX_KEEPALIVE_INTERVAL}
     */
    public static Keepalive withInterval(Duration interval) {
        Checks.positive("interval", interval); // before the arithmetic, with the constructor's kind of message
        Duration twice = interval.multipliedBy(2);
        return new Keepalive(interval, twice.compareTo(MAX_DEFAULT_ACK_TIMEOUT) < 0 ? twice : MAX_DEFAULT_ACK_TIMEOUT);
    }

    /** How long an agent waits without hearing from the hub before it closes the session. */
    public Duration agentIdleTimeout() {
        return interval.multipliedBy(TunnelProtocol.AGENT_IDLE_INTERVALS);
    }
}
