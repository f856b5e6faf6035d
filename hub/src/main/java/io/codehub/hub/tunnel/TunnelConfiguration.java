package io.codehub.hub.tunnel;

import java.time.Clock;

import io.codehub.hub.agents.AgentConnections;
import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.identity.HubIdentity;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Scheduler;

/** Wires the tunnel: the port, its authenticator and tickets, the transport and the connection views. */
@Configuration(proxyBeanMethods = false)
public class TunnelConfiguration {

    @Bean
    LiveTunnels liveTunnels() {
        return new LiveTunnels();
    }

    @Bean
    TunnelAgentConnectors tunnelAgentConnectors(LiveTunnels tunnels) {
        return new TunnelAgentConnectors(tunnels);
    }

    @Bean
    AgentConnections tunnelConnections(LiveTunnels tunnels) {
        return new TunnelConnections(tunnels);
    }

    @Bean
    ResumptionTickets resumptionTickets(HubIdentity identity, TunnelProperties properties, Clock clock) {
        return new ResumptionTickets(identity, properties.ticketTtl(), clock);
    }

    @Bean
    AgentTunnelAuthenticator agentTunnelAuthenticator(AgentRegistry registry, AgentRepository agents,
            ResumptionTickets tickets, Scheduler keyHashing, ObjectProvider<MeterRegistry> meters) {
        AgentTunnelAuthenticator authenticator = new AgentTunnelAuthenticator(registry, agents, tickets, keyHashing);
        meters.ifAvailable(registry1 -> FunctionCounter.builder("codehub.tunnel.key.checks", authenticator,
                        AgentTunnelAuthenticator::keyChecks)
                .description("API keys checked with bcrypt in tunnel handshakes (tickets cost none)")
                .register(registry1));
        return authenticator;
    }

    @Bean
    TunnelPort tunnelPort(TunnelProperties properties, HubIdentity identity, AgentTunnelAuthenticator authenticator,
            LiveTunnels tunnels) {
        return new TunnelPort(properties, identity.hubId(), authenticator, tunnels);
    }
}
