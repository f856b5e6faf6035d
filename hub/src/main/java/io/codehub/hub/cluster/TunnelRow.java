package io.codehub.hub.cluster;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A row of the tunnel registry: hub {@code hubId} holds session {@code sessionId} of agent
 * {@code agentId}; the highest {@code epoch} is the newest session.
 */
record TunnelRow(String agentId, String hubId, String sessionId, long epoch, @Nullable String remoteAddress,
        Instant connectedAt) {
}
