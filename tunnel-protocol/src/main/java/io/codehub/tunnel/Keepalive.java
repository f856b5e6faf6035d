package io.codehub.tunnel;

import java.time.Duration;

/**
 * Liveness settings of a tunnel. The hub sends an HTTP/2 PING every {@code interval} and closes
 * the connection when its ACK has not arrived within {@code ackTimeout}; it tells the agent the
 * interval in the 101 response, and the agent closes after hearing nothing (no frame at all) for
 * {@value TunnelProtocol#AGENT_IDLE_INTERVALS} intervals.
 *
 * @param interval time between two PINGs, whole seconds because it travels in a header
 *     (default 15 s)
 * @param ackTimeout how long the hub waits for a PING ACK (default 10 s); must be shorter than
 *     the interval so that at most one PING is outstanding
 */
public record Keepalive(Duration interval, Duration ackTimeout) {

    /**
     * 5 s interval, 4 s ACK timeout: a half-open connection is noticed by the hub within 9 s and by
     * the agent within 15 s (DESIGN.md: within 15 s with default settings). A PING is 17 bytes, so
     * even 10,000 tunnels cost the hub 2,000 tiny frames a second.
     */
    public static final Keepalive DEFAULT = new Keepalive(Duration.ofSeconds(5), Duration.ofSeconds(4));

    public Keepalive {
        Checks.wholeSeconds("interval", interval);
        Checks.positive("ackTimeout", ackTimeout);
        if (ackTimeout.compareTo(interval) >= 0) {
            throw new IllegalArgumentException(
                    "ackTimeout: " + ackTimeout + " (expected: < interval " + interval + ")");
        }
    }

    /** How long an agent waits without hearing from the hub before it closes the session. */
    public Duration agentIdleTimeout() {
        return interval.multipliedBy(TunnelProtocol.AGENT_IDLE_INTERVALS);
    }
}
