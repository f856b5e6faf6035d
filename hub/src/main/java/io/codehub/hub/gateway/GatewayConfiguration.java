package io.codehub.hub.gateway;

import java.time.Clock;
import java.time.Duration;

import io.codehub.hub.access.AccessCodes;
import io.codehub.hub.access.GatewaySessions;
import io.codehub.hub.access.SessionCookie;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.config.ClusterProperties;
import io.codehub.hub.config.GatewayProperties;
import io.codehub.hub.remote.AgentRuntimes;
import io.codehub.hub.workspaces.WorkspaceRepository;
import io.codehub.tunnel.spring.AgentTunnels;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The workspace gateway, unless {@code CODEHUB_HUB_GATEWAY_ENABLED=false}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "codehub.hub.gateway", name = "enabled", havingValue = "true", matchIfMissing = true)
class GatewayConfiguration {

    /** How long the gateway trusts what it read of a workspace: a stopped workspace is refused within this. */
    static final Duration ROUTE_MAX_AGE = Duration.ofSeconds(1);
    /** How long it trusts an agent's answer to where a workspace's app is (dropped at the first failed dial). */
    static final Duration UPSTREAM_MAX_AGE = Duration.ofSeconds(30);
    static final int MAX_CACHED_ROUTES = 100_000;
    /**
     * Among many hubs, how long a request waits for its workspace's agent to reappear on another hub
     * (a drain, a hub's death): about the agent's redial plus one lease renewal of the other hubs.
     */
    static final Duration MOVE_WAIT = Duration.ofSeconds(5);

    @Bean
    GatewayServer gatewayServer(GatewayProperties properties, WorkspaceRepository workspaces, AgentRepository agents,
            AgentTunnels tunnels, AgentRuntimes runtimes, GatewaySessions sessions, AccessCodes codes, Clock clock,
            ObjectProvider<GatewayObserver> observer, ClusterProperties cluster) {
        GatewayRoutes routes = new GatewayRoutes(workspaces, agents, ROUTE_MAX_AGE, MAX_CACHED_ROUTES, System::nanoTime);
        UpstreamDialer dialer = new UpstreamDialer(tunnels, runtimes, properties.connectTimeout(), UPSTREAM_MAX_AGE,
                properties.directNetworks(), System::nanoTime);
        if (cluster.enabled()) {
            dialer.waitForMovingAgents(MOVE_WAIT);
        }
        GatewayAccess access = new GatewayAccess(sessions, codes, new SessionCookie(clock), properties.secure());
        return new GatewayServer(properties, Gateway.create(properties, routes, dialer, access,
                observer.getIfAvailable(() -> GatewayObserver.NONE)));
    }
}
