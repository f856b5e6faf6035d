package io.codehub.tunnel;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * Agent side: what the hub's 101 said about a session.
 *
 * @param sessionId the hub's {@value TunnelProtocol#SESSION_ID_HEADER}
 * @param hubId the hub's {@value TunnelProtocol#HUB_ID_HEADER}
 * @param keepaliveInterval the hub's PING interval; the agent closes after 3 silent intervals
 * @param hubAddress the address the agent connected to (the proxy's, through a proxy)
 */
public record HubSessionInfo(String sessionId, String hubId, Duration keepaliveInterval, SocketAddress hubAddress) {
}
