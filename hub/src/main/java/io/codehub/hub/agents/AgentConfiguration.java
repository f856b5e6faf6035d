package io.codehub.hub.agents;

import java.time.Clock;

import io.codehub.hub.config.HubProperties;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.remote.AgentConnectors;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/** Wires the agent registry. bcrypt runs on its own small scheduler, never on an event loop. */
@Configuration(proxyBeanMethods = false)
public class AgentConfiguration {

    @Bean
    AgentRepository agentRepository(DatabaseClient db, JsonMapper json) {
        return new AgentRepository(db, json);
    }

    @Bean(destroyMethod = "dispose")
    Scheduler keyHashing() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        return Schedulers.newBoundedElastic(threads, 1024, "codehub-key-hashing");
    }

    @Bean
    AgentRegistry agentRegistry(AgentRepository agents, PlacedWorkspaces workspaces, AgentConnectors connectors,
            TransactionalOperator tx, Scheduler keyHashing, HubProperties properties, Clock clock, EventPublisher events) {
        return new AgentRegistry(agents, workspaces, new ApiKeys(properties.apiKeys().bcryptCost()), connectors, tx,
                keyHashing, properties.apiKeys().gracePeriod(), clock, events);
    }
}
