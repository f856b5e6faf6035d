package io.codehub.tunnel.spring;

import io.codehub.runtime.UnprocessedRequestException;

/**
 * A call to a {@code tunnel://} agent that has no live session on this hub: the connector fails
 * with it before anything is written, so the call was never processed ({@link UnprocessedRequestException}).
 * {@code RemoteRuntime} treats the agent like any unreachable one while the API can still answer
 * {@code 503 agent-not-connected}.
 */
public final class AgentNotConnectedException extends UnprocessedRequestException {

    private static final long serialVersionUID = 1L;

    private final String agentId;

    public AgentNotConnectedException(String agentId) {
        super("agent " + agentId + " is not connected to this hub's tunnel", null);
        this.agentId = agentId;
    }

    /** The agent that was called. */
    public String agentId() {
        return agentId;
    }
}
