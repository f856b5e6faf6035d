package io.codehub.hub.workspaces;

import io.codehub.hub.agents.Labels;
import org.jspecify.annotations.Nullable;

/**
 * Where a workspace may go: a named agent, or any agent in {@code region} (when given) carrying
 * every one of {@code labels}.
 */
public record PlacementRequest(@Nullable String agentId, @Nullable String region, Labels labels) {
}
