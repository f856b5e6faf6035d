package io.codehub.hub.gateway;

import java.net.URI;
import java.util.List;

import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.workspaces.DesiredState;
import io.codehub.hub.workspaces.ObservedState;

/**
 * What the registry says about a workspace, as the gateway routes to it: a snapshot, at most
 * {@link GatewayRoutes}' cache age old.
 *
 * @param workspaceId  the workspace's id
 * @param generation   its creation time in epoch milliseconds: a session names it, so a session dies
 *                     with the workspace even if the id came back
 * @param desired      what the API last asked for
 * @param observed     where the reconciler last saw it
 * @param agentId      its agent
 * @param endpoint     its agent's endpoint: {@code tunnel://} or a direct URL
 * @param agentStatus  its agent's status
 * @param mainPort     the port its app serves on ({@code <id>.<apps domain>})
 * @param ports        the other ports it exposes ({@code <port>--<id>.<apps domain>})
 */
record Route(String workspaceId, long generation, DesiredState desired, ObservedState observed, String agentId,
        URI endpoint, AgentStatus agentStatus, int mainPort, List<Integer> ports) {

    /** The container port {@code asked} (0: the main one) maps to, or -1 when the workspace does not expose it. */
    int port(int asked) {
        if (asked == 0 || asked == mainPort) {
            return mainPort;
        }
        return ports.contains(asked) ? asked : -1;
    }

    /** Whether its app is up for traffic: desired and observed running. */
    boolean running() {
        return desired == DesiredState.RUNNING && observed == ObservedState.RUNNING;
    }
}
