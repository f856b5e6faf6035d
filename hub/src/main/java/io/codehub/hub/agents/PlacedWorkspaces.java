package io.codehub.hub.agents;

import reactor.core.publisher.Mono;

/**
 * What the registry needs to know of workspaces: how many are placed on an agent, so that an agent
 * holding any is never deleted. The workspaces package implements it; agents never depend on it.
 */
public interface PlacedWorkspaces {

    /** The number of workspaces placed on {@code agentId}, whatever their state. */
    Mono<Long> countByAgent(String agentId);
}
