package io.codehub.hub.agents;

import java.time.Instant;
import java.util.Map;

import io.codehub.hub.remote.AgentClocks;
import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * An agent as the API shows it: everything but the key hashes, with its health.
 *
 * @param id                  the agent's id; the agent's {@code CODEHUB_AGENT_ID}
 * @param name                a name for people
 * @param endpoint            where the hub reaches it
 * @param type                its backend, e.g. {@code docker}
 * @param status              {@code pending} (never answered yet), {@code active}, {@code inactive} or {@code error}
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
 * @param os                  its operating system, as it reported it (handshake or health)
 * @param arch                its CPU architecture, as it reported it
 * @param runtime             its backend kind, as it reported it (e.g. {@code docker})
 * @param backendVersion      its backend's description, as it reported it
 * @param firstConnectedAt    its first tunnel session, or (direct agents) first passed health check
 * @param lastConnectedAt     its latest tunnel session, or (direct agents) latest passed health check
 * @param lastDisconnectedAt  when its last session ended, or (direct agents) it was marked {@code error}
 * @param lastDisconnectReason why: {@code closed-by-agent}, {@code replaced}, {@code moved}, {@code half-open},
 *                            {@code revoked}, {@code hub-shutdown}, {@code closed-by-hub}, {@code auth-failed} or
 *                            {@code error}
 * @param clockOffsetMillis   the agent's clock minus the hub's, in milliseconds, as the hub last measured it
 *                            (from its Agent API answers and tunnel handshake); null before the first
 *                            measurement since the hub started. The hub mints the agent's tokens in the
 *                            agent's time, so an offset only needs fixing (NTP) when it grows large
 */
public record AgentView(String id, String name, String endpoint, String type,
        @Schema(allowableValues = {"pending", "active", "inactive", "error"}) String status, int capacity,
        int currentLoad, @Nullable String region, Map<String, String> labels, @Nullable Instant lastHealthAt,
        int consecutiveFailures, @Nullable String lastError, @Nullable String agentVersion,
        @Schema(allowableValues = {"api-key", "mtls", "api-key+mtls"}) String auth,
        @Nullable Instant previousKeyExpiresAt, Instant createdAt, Instant updatedAt,
        @Nullable AgentConnection connection, @Nullable String os, @Nullable String arch, @Nullable String runtime,
        @Nullable String backendVersion, @Nullable Instant firstConnectedAt, @Nullable Instant lastConnectedAt,
        @Nullable Instant lastDisconnectedAt,
        @Schema(allowableValues = {"closed-by-agent", "replaced", "moved", "half-open", "revoked", "hub-shutdown",
                "closed-by-hub", "auth-failed", "error"}) @Nullable String lastDisconnectReason,
        @Nullable Long clockOffsetMillis) {

    public static AgentView of(Agent agent) {
        AgentFacts facts = agent.facts();
        ConnectionHistory history = agent.history();
        return new AgentView(agent.id(), agent.name(), agent.endpoint().toString(), agent.type(), agent.status().wire(),
                agent.capacity(), agent.currentLoad(), agent.region(), agent.labels().values(), agent.lastHealthAt(),
                agent.consecutiveFailures(), agent.lastError(), agent.agentVersion(), agent.auth().wire(),
                agent.previousKeyExpiresAt(),
                agent.createdAt(), agent.updatedAt(), null, facts.os(), facts.arch(), facts.runtime(),
                facts.backendVersion(), history.firstConnectedAt(), history.lastConnectedAt(),
                history.lastDisconnectedAt(), history.lastDisconnectReason(), null);
    }

    /** The view of {@code agent} with its tunnel connection, if it has one, and its clock offset, if measured. */
    public static AgentView of(Agent agent, AgentConnections connections, AgentClocks clocks) {
        return of(agent).withConnection(connections.of(agent.id(), agent.endpoint()))
                .withClockOffset(clocks.offsetMillis(agent.id()));
    }

    /** This view with {@code value} as its connection. */
    public AgentView withConnection(@Nullable AgentConnection value) {
        return new AgentView(id, name, endpoint, type, status, capacity, currentLoad, region, labels, lastHealthAt,
                consecutiveFailures, lastError, agentVersion, auth, previousKeyExpiresAt, createdAt, updatedAt, value, os,
                arch, runtime, backendVersion, firstConnectedAt, lastConnectedAt, lastDisconnectedAt,
                lastDisconnectReason, clockOffsetMillis);
    }

    /** This view with {@code value} as its clock offset. */
    public AgentView withClockOffset(@Nullable Long value) {
        return new AgentView(id, name, endpoint, type, status, capacity, currentLoad, region, labels, lastHealthAt,
                consecutiveFailures, lastError, agentVersion, auth, previousKeyExpiresAt, createdAt, updatedAt,
                connection, os, arch, runtime, backendVersion, firstConnectedAt, lastConnectedAt, lastDisconnectedAt,
                lastDisconnectReason, value);
    }
}
