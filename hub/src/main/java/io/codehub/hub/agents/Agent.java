package io.codehub.hub.agents;

import java.net.URI;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * An agent as the hub stores it: one row of {@code agents}. Holds key hashes, so it is never
 * serialised to a client ({@link AgentView} is); {@link #toString()} leaves the hashes out.
 *
 * @param id                  the agent's id (a UUID), also the {@code aud} of tokens sent to it
 * @param name                a name for people
 * @param endpoint            where the hub reaches it; the scheme picks the transport
 * @param apiKeyHash          bcrypt hash of the secret of its API key
 * @param previousApiKeyHash  bcrypt hash of the secret of the key replaced by the last rotation
 * @param previousKeyExpiresAt until when that previous key still works
 * @param type                its backend, e.g. {@code docker}
 * @param status              pending, active, inactive or error
 * @param capacity            how many workspaces it may hold
 * @param currentLoad         how many workspaces it holds (placed and not yet deleted)
 * @param region              its region, when it has one
 * @param labels              its labels
 * @param lastHealthAt        when it last passed a health check
 * @param consecutiveFailures failed health checks since the last success
 * @param lastError           why the last health check failed
 * @param agentVersion        the version it reported in its last successful health check
 * @param auth                what it must present on the tunnel port
 * @param createdAt           when it was registered
 * @param updatedAt           when its row last changed
 * @param facts               what it reported about where it runs
 * @param history             when it was last seen coming and going
 */
public record Agent(
        String id,
        String name,
        URI endpoint,
        String apiKeyHash,
        @Nullable String previousApiKeyHash,
        @Nullable Instant previousKeyExpiresAt,
        String type,
        AgentStatus status,
        int capacity,
        int currentLoad,
        @Nullable String region,
        Labels labels,
        @Nullable Instant lastHealthAt,
        int consecutiveFailures,
        @Nullable String lastError,
        @Nullable String agentVersion,
        AgentAuth auth,
        Instant createdAt,
        Instant updatedAt,
        AgentFacts facts,
        ConnectionHistory history) {

    /** This agent with other settings, as changed by an admin. */
    public Agent withSettings(URI endpoint, int capacity, Labels labels, @Nullable String region, AgentStatus status,
            AgentAuth auth, Instant now) {
        return new Agent(id, name, endpoint, apiKeyHash, previousApiKeyHash, previousKeyExpiresAt, type, status, capacity,
                currentLoad, region, labels, lastHealthAt, consecutiveFailures, lastError, agentVersion, auth, createdAt,
                now, facts, history);
    }

    @Override
    public String toString() {
        return "Agent[id=" + id + ", name=" + name + ", endpoint=" + endpoint + ", status=" + status.wire()
                + ", auth=" + auth.wire() + ", load=" + currentLoad + "/" + capacity + "]";
    }
}
