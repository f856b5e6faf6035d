package io.codehub.hub.health;

import java.time.Clock;

import io.codehub.hub.agents.AgentOwnership;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.config.HubProperties;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.remote.AgentRuntimes;
import io.codehub.hub.workspaces.WorkspaceRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.reactive.TransactionalOperator;

/** Wires the agents' health checker. */
@Configuration(proxyBeanMethods = false)
public class HealthConfiguration {

    @Bean
    AgentHealthChecker agentHealthChecker(AgentRepository agents, WorkspaceRepository workspaces,
            AgentRuntimes runtimes, TransactionalOperator tx, HubProperties properties, Clock clock,
            ObjectProvider<HealthCheckObserver> observer, EventPublisher events,
            ObjectProvider<AgentOwnership> ownership) {
        AgentHealthChecker checker = new AgentHealthChecker(agents, workspaces, runtimes, tx, properties.health(), clock,
                events);
        observer.ifAvailable(checker::observe);
        checker.shareWork(ownership.getIfAvailable(() -> AgentOwnership.ALL)); // many hubs: the cluster package's
        return checker;
    }
}
