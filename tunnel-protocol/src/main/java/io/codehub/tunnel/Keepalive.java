package io.codehub.tunnel;

import java.time.Duration;

import io.codehub.base.Checks;

/**
 * Liveness settings of a tunnel. The hub sends an HTTP/2 PING every {@code interval} and closes
 * the connection when its ACK has not arrived within {@code ackTimeout}; it tells the agent the
 * interval in the 101 response, and the agent closes after hearing nothing (no frame at all) for
 * {@value TunnelProtocol#AGENT_IDLE_INTERVALS} intervals.
 *
 * @param interval time between two PINGs, whole seconds because it travels in a header
 *     (default 15 s)
 * @param ackTimeout how long the hub waits for a PING ACK; at most two intervals. While a PING is
 *     outstanding the hub sends no other, so an ACK timeout longer than the interval only makes the
 *     hub patient with an agent that is slow to answer (a busy machine), never doubles the traffic
 */
public record Keepalive(Duration interval, Duration ackTimeout) {

    /**
     * 5 s interval, 9 s ACK timeout: a half-open connection is noticed by the hub within 14 s
     * (interval + ACK timeout) and by the agent within 15 s at the latest (its idle deadline), within
     * 8 s where its kernel probes the path ({@link TunnelTransport#probeDeadPaths}), while an agent
     * whose machine is busy for a few seconds (or a hub working through a reconnect storm) does not
     * lose its tunnel over one late ACK. A PING is 17 bytes, so even
     * 10,000 tunnels cost the hub 2,000 tiny frames a second.
     */
    public static final Keepalive DEFAULT = new Keepalive(Duration.ofSeconds(5), Duration.ofSeconds(9));

    public Keepalive {
        Checks.wholeSeconds("interval", interval);
        Checks.positive("ackTimeout", ackTimeout);
        if (ackTimeout.compareTo(interval.multipliedBy(2)) > 0) {
            throw new IllegalArgumentException(
                    "ackTimeout: " + ackTimeout + " (expected: <= two intervals, " + interval.multipliedBy(2) + ")");
        }
    }

    /** How long an agent waits without hearing from the hub before it closes the session. */
    public Duration agentIdleTimeout() {
        return interval.multipliedBy(TunnelProtocol.AGENT_IDLE_INTERVALS);
    }
}
