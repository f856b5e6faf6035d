package io.codehub.hub.agents;

import java.time.Instant;

import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * A tunnelled agent's connection to this hub (or, among many hubs, to the one holding it), as the agents API shows it ({@code "connection"}).
 *
 * @param state         {@code connected} or {@code disconnected}
 * @param remoteAddress the TCP peer of its session ({@code host:port}; the NAT or proxy address for
 *                      agents behind one); null when disconnected
 * @param since         when its session opened; null when disconnected
 * @param rttMillis     round-trip time of the last keepalive PING, in milliseconds; null before the first
 * @param certificate   the client certificate its session presented (mTLS); null without one
 * @param hub           among many hubs, the {@code CODEHUB_HUB_ID} of the hub holding its session; null for a
 *                      single hub and when disconnected
 */
public record AgentConnection(@Schema(allowableValues = {"connected", "disconnected"}) String state, @Nullable String remoteAddress, @Nullable Instant since,
        @Nullable Double rttMillis, @Nullable Certificate certificate, @Nullable String hub) {

    /** The view of an agent without a live session. */
    public static final AgentConnection DISCONNECTED = new AgentConnection("disconnected", null, null, null, null,
            null);

    /**
     * The certificate of a session, for watching renewals from a dashboard.
     *
     * @param serial   its serial number, upper-case hex as OpenSSL prints it
     * @param notAfter when it expires (the agent renews at two thirds of its lifetime)
     */
    public record Certificate(String serial, Instant notAfter) {
    }
}
