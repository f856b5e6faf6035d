package io.codehub.hub.support;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentAuth;
import io.codehub.hub.agents.AgentFacts;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.agents.ConnectionHistory;
import io.codehub.hub.agents.Labels;
import org.jspecify.annotations.Nullable;

/** Agent rows for repository, placement and reconciler tests. */
public final class TestAgents {

    private TestAgents() {
    }

    public static Agent agent(int capacity) {
        return agent(capacity, AgentStatus.ACTIVE, null, Map.of());
    }

    public static Agent agent(int capacity, AgentStatus status, @Nullable String region, Map<String, String> labels) {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        String id = UUID.randomUUID().toString();
        return new Agent(id, "agent-" + id.substring(0, 8), URI.create("http://127.0.0.1:9"), "$2a$04$hash", null, null,
                "docker", status, capacity, 0, region, Labels.of(labels), null, 0, null, null, AgentAuth.API_KEY, now, now,
                AgentFacts.UNKNOWN, ConnectionHistory.NEVER);
    }
}
