package io.codehub.hub.agents;

import java.time.Instant;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * An agent as the API shows it: everything but the key hashes, with its health.
 *
 * @param id                  the agent's id; the agent's {@code CODEHUB_AGENT_ID}
 * @param name                a name for people
 * @param endpoint            where the hub reaches it
 * @param type                its backend, e.g. {@code docker}
 * @param status              {@code active}, {@code inactive} or {@code error}
 * @param capacity            how many workspaces it may hold
 * @param currentLoad         how many it holds
 * @param region              its region
 * @param labels              its labels
 * @param lastHealthAt        when it last passed a health check
 * @param consecutiveFailures failed health checks since the last success
 * @param lastError           why the last health check failed
 * @param agentVersion        the version it last reported
 * @param auth                what it must present on the tunnel port: {@code api-key}, {@code mtls} or
 *                            {@code api-key+mtls}
 * @param previousKeyExpiresAt until when the key replaced by the last rotation still works
 * @param createdAt           when it was registered
 * @param updatedAt           when it last changed
 * @param connection          for an agent behind the tunnel ({@code tunnel://}): its session with this
 *                            hub; absent for agents the hub calls directly
 */
public record AgentView(String id, String name, String endpoint, String type,
        @Schema(allowableValues = {"active", "inactive", "error"}) String status, int capacity,
        int currentLoad, @Nullable String region, Map<String, String> labels, @Nullable Instant lastHealthAt,
        int consecutiveFailures, @Nullable String lastError, @Nullable String agentVersion,
        @Schema(allowableValues = {"api-key", "mtls", "api-key+mtls"}) String auth,
        @Nullable Instant previousKeyExpiresAt, Instant createdAt, Instant updatedAt,
        @Nullable AgentConnection connection) {

    public static AgentView of(Agent agent) {
        return new AgentView(agent.id(), agent.name(), agent.endpoint().toString(), agent.type(), agent.status().wire(),
                agent.capacity(), agent.currentLoad(), agent.region(), agent.labels().values(), agent.lastHealthAt(),
                agent.consecutiveFailures(), agent.lastError(), agent.agentVersion(), agent.auth().wire(),
                agent.previousKeyExpiresAt(),
                agent.createdAt(), agent.updatedAt(), null);
    }

    /** The view of {@code agent} with its tunnel connection, if it has one. */
    public static AgentView of(Agent agent, AgentConnections connections) {
        return of(agent).withConnection(connections.of(agent.id(), agent.endpoint()));
    }

    /** This view with {@code value} as its connection. */
    public AgentView withConnection(@Nullable AgentConnection value) {
        return new AgentView(id, name, endpoint, type, status, capacity, currentLoad, region, labels, lastHealthAt,
                consecutiveFailures, lastError, agentVersion, auth, previousKeyExpiresAt, createdAt, updatedAt, value);
    }
}
