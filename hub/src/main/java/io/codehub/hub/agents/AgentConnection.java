package io.codehub.hub.agents;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A tunnelled agent's connection to this hub, as the agents API shows it ({@code "connection"}).
 *
 * @param state         {@code connected} or {@code disconnected}
 * @param remoteAddress the TCP peer of its session ({@code host:port}; the NAT or proxy address for
 *                      agents behind one); null when disconnected
 * @param since         when its session opened; null when disconnected
 * @param rttMillis     round-trip time of the last keepalive PING, in milliseconds; null before the first
 */
public record AgentConnection(String state, @Nullable String remoteAddress, @Nullable Instant since,
        @Nullable Double rttMillis) {

    /** The view of an agent without a live session. */
    public static final AgentConnection DISCONNECTED = new AgentConnection("disconnected", null, null, null);
}
