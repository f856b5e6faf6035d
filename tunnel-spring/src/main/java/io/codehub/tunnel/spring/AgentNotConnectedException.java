package io.codehub.tunnel.spring;

/**
 * A call to a {@code tunnel://} agent that has no live session on this hub. It travels as the
 * cause of the {@link io.codehub.runtime.BackendUnavailableException} the connector fails with, so
 * that {@code RemoteRuntime} treats the agent like any unreachable one while the API can still
 * answer {@code 503 agent-not-connected}.
 */
public final class AgentNotConnectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String agentId;

    public AgentNotConnectedException(String agentId) {
        super("agent " + agentId + " is not connected to this hub's tunnel");
        this.agentId = agentId;
    }

    /** The agent that was called. */
    public String agentId() {
        return agentId;
    }
}
