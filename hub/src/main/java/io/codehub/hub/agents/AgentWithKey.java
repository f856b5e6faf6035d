package io.codehub.hub.agents;

/**
 * The answer to a registration or a key rotation: the agent and its new API key, which the hub
 * shows this once and never again (it keeps only a bcrypt hash).
 *
 * @param agent  the agent
 * @param apiKey {@code chk_<agent id>_<secret>}
 */
public record AgentWithKey(AgentView agent, String apiKey) {

    @Override
    public String toString() {
        return "AgentWithKey[agent=" + agent.id() + ", apiKey=chk_" + agent.id() + "_***]";
    }
}
