package io.codehub.hub.agents;

/**
 * Which agents this hub does the periodic work of (health checks, workspace reconciliation). A
 * single hub does all of it; among many hubs each agent's work runs on exactly one live hub: the
 * one holding its tunnel, else the one the live hubs' ids pick (docs/high-availability.md).
 */
@FunctionalInterface
public interface AgentOwnership {

    /** A single hub: every agent is its own. */
    AgentOwnership ALL = agentId -> true;

    /** Whether this hub does the periodic work of agent {@code agentId} now. */
    boolean owns(String agentId);
}
