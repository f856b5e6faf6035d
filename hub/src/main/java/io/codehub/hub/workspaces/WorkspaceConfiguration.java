package io.codehub.hub.workspaces;

import java.time.Clock;
import java.util.Random;

import io.codehub.hub.agents.AgentOwnership;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.config.HubProperties;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.remote.AgentRuntimes;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import tools.jackson.databind.json.JsonMapper;

/** Wires workspaces: repository, placement, reconciler and service. */
@Configuration(proxyBeanMethods = false)
public class WorkspaceConfiguration {

    @Bean
    WorkspaceRepository workspaceRepository(DatabaseClient db, JsonMapper json) {
        return new WorkspaceRepository(db, json);
    }

    @Bean
    Placement placement(AgentRepository agents, Clock clock) {
        return new Placement(agents, clock);
    }

    @Bean
    WorkspaceReconciler workspaceReconciler(WorkspaceRepository workspaces, AgentRepository agents,
            AgentRuntimes runtimes, TransactionalOperator tx, HubProperties properties, Clock clock,
            ObjectProvider<ReconcileObserver> observer, EventPublisher events, ObjectProvider<AgentOwnership> ownership,
            ObjectProvider<StepClaims> claims) {
        WorkspaceReconciler reconciler = new WorkspaceReconciler(workspaces, agents, runtimes, tx,
                properties.reconciler(), clock, new Random(), events);
        observer.ifAvailable(reconciler::observe);
        // Many hubs (the cluster package declares both): only this hub's agents, each run under a claim.
        reconciler.shareWork(ownership.getIfAvailable(() -> AgentOwnership.ALL),
                claims.getIfAvailable(() -> StepClaims.NONE));
        return reconciler;
    }

    @Bean
    WorkspaceService workspaceService(WorkspaceRepository workspaces, Placement placement,
            WorkspaceReconciler reconciler, TransactionalOperator tx, Clock clock, EventPublisher events) {
        return new WorkspaceService(workspaces, placement, reconciler, tx, clock, new Random(), events);
    }
}
