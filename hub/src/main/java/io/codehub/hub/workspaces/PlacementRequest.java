package io.codehub.hub.workspaces;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.Labels;
import org.jspecify.annotations.Nullable;

/**
 * Where a workspace may go: a named agent (the other constraints are then not consulted), or any
 * agent in {@code region} and of backend {@code type} (each when given) carrying every one of
 * {@code labels}.
 */
public record PlacementRequest(@Nullable String agentId, @Nullable String region, @Nullable String type, Labels labels) {

    /** Whether {@code agent} is in the region, of the type and carries the labels asked for. */
    boolean admits(Agent agent) {
        return (region == null || region.equals(agent.region())) && (type == null || type.equals(agent.type()))
                && agent.labels().containsAll(labels);
    }

    /** What was asked for, for a refusal's detail: {@code " in region eu of type docker with labels {..}"}. */
    String wanted() {
        return (region == null ? "" : " in region " + region) + (type == null ? "" : " of type " + type)
                + (labels.values().isEmpty() ? "" : " with labels " + labels.values());
    }
}
