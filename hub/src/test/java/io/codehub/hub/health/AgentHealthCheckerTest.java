package io.codehub.hub.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.config.HubProperties;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.support.InMemoryAgents;
import io.codehub.hub.support.MutableClock;
import io.codehub.hub.support.RecordingEvents;
import io.codehub.hub.support.TestAgents;
import io.codehub.hub.support.TestDatabase;
import io.codehub.hub.workspaces.DesiredState;
import io.codehub.hub.workspaces.ObservedState;
import io.codehub.hub.workspaces.Workspace;
import io.codehub.hub.workspaces.WorkspaceRepository;
import io.codehub.runtime.InstanceSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentHealthCheckerTest {

    private static final Duration BLOCK = Duration.ofSeconds(10);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private TestDatabase database;
    private AgentRepository agents;
    private WorkspaceRepository workspaces;
    private final InMemoryAgents memory = new InMemoryAgents();
    private final MutableClock clock = new MutableClock(T0);
    private AgentHealthChecker checker;

    RecordingEvents events;

    @BeforeEach
    void open() {
        events = new RecordingEvents();
        database = TestDatabase.h2(dir);
        agents = database.agents();
        workspaces = database.workspaces();
        checker = new AgentHealthChecker(agents, workspaces, memory, database.tx(),
                new HubProperties.Health(Duration.ofSeconds(30), Duration.ofSeconds(5), 3, Duration.ofMinutes(5)), clock,
                events);
    }

    @AfterEach
    void close() throws Exception {
        database.close();
    }

    private Workspace workspace(Agent agent, DesiredState desired, ObservedState observed) {
        return workspaces.insert(new Workspace(UUID.randomUUID().toString(), "ws", null, agent.id(),
                InstanceSpec.ofImage("codehub/busybox:local"), desired, observed, null, null, null, 0, null, T0, T0, 0))
                .block(BLOCK);
    }

    private Agent check(String agentId) {
        return checker.check(agents.findById(agentId).block(BLOCK)).block(BLOCK);
    }

    @Test
    void repeatedFailuresMarkTheAgentErrorAndItsStepsInFlightError() {
        Agent agent = TestAgents.agent(5);
        agents.insert(agent).block(BLOCK);
        Agent other = TestAgents.agent(5);
        agents.insert(other).block(BLOCK);
        Workspace starting = workspace(agent, DesiredState.RUNNING, ObservedState.STARTING);
        Workspace running = workspace(agent, DesiredState.RUNNING, ObservedState.RUNNING);
        Workspace othersInFlight = workspace(other, DesiredState.STOPPED, ObservedState.STOPPING);
        memory.of(agent.id()).unreachable("connection refused");

        for (int i = 1; i <= 2; i++) {
            Agent after = check(agent.id());
            assertThat(after.status()).isEqualTo(AgentStatus.ACTIVE);
            assertThat(after.consecutiveFailures()).isEqualTo(i);
            assertThat(after.lastError()).isEqualTo("connection refused");
        }
        assertThat(workspaces.findById(starting.id()).block(BLOCK).observed()).isEqualTo(ObservedState.STARTING);

        Agent failed = check(agent.id());
        assertThat(failed.status()).isEqualTo(AgentStatus.ERROR);
        Workspace errored = workspaces.findById(starting.id()).block(BLOCK);
        assertThat(errored.observed()).isEqualTo(ObservedState.ERROR);
        assertThat(errored.reason()).contains("failed 3 health checks in a row").contains("connection refused")
                .contains(agent.id());
        assertThat(workspaces.findById(running.id()).block(BLOCK).observed()).isEqualTo(ObservedState.RUNNING);
        assertThat(check(other.id()).status()).as("another agent").isEqualTo(AgentStatus.ACTIVE);
        Workspace untouched = workspaces.findById(othersInFlight.id()).block(BLOCK);
        assertThat(untouched.observed()).as("another agent's step in flight").isEqualTo(ObservedState.STOPPING);
        assertThat(untouched.reason()).isNull();

        memory.of(agent.id()).reachable();
        clock.advance(Duration.ofMinutes(1));
        Agent recovered = check(agent.id());
        assertThat(recovered.status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(recovered.consecutiveFailures()).isZero();
        assertThat(recovered.lastError()).isNull();
        assertThat(recovered.lastHealthAt()).isEqualTo(T0.plus(Duration.ofMinutes(1)));
        assertThat(recovered.agentVersion()).isEqualTo("test");

        // TestAgents' endpoint is direct (http://): failing out is a disconnection, recovering a connection
        assertThat(events.of(EventType.AGENT_HEALTH_CHANGED)).filteredOn(e -> agent.id().equals(e.agentId()))
                .extracting(e -> e.detail().get("from") + "->" + e.detail().get("to"))
                .containsExactly("active->error", "error->active");
        assertThat(events.of(EventType.AGENT_DISCONNECTED)).singleElement().satisfies(e -> {
            assertThat(e.agentId()).isEqualTo(agent.id());
            assertThat(e.reason()).isEqualTo("error");
        });
        assertThat(events.of(EventType.AGENT_CONNECTED)).extracting(NewEvent::agentId).contains(agent.id());
        Agent seen = agents.findById(agent.id()).block(BLOCK);
        assertThat(seen.history().lastDisconnectReason()).isEqualTo("error");
        assertThat(seen.history().lastConnectedAt()).isEqualTo(T0.plus(Duration.ofMinutes(1)));
    }

    @Test
    void aPendingAgentBecomesActiveAtItsFirstPassedCheckWithItsFacts() {
        Agent agent = TestAgents.agent(1, AgentStatus.PENDING, null, Map.of());
        agents.insert(agent).block(BLOCK);
        Agent checked = check(agent.id());
        assertThat(checked.status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(checked.history().firstConnectedAt()).isEqualTo(T0);
        assertThat(checked.facts().runtime()).isNotBlank();
        assertThat(events.of(EventType.AGENT_HEALTH_CHANGED)).singleElement()
                .satisfies(e -> assertThat(e.detail()).containsEntry("from", "pending").containsEntry("to", "active"));
    }

    @Test
    void aFailingAgentIsCheckedWithExponentialBackoff() {
        List<Duration> delays = List.of(1, 2, 3, 4, 5, 6, 10, 30).stream().map(checker::delayAfter).toList();
        assertThat(delays).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(240), Duration.ofMinutes(5),
                Duration.ofMinutes(5));
    }

    @Test
    void anAgentThatConnectsIsCheckedAtTheNextTickNotAfterItsBackoff() {
        Agent agent = TestAgents.agent(5);
        agents.insert(agent).block(BLOCK);
        memory.of(agent.id()).unreachable("agent not connected");
        for (int i = 0; i < 5; i++) {
            check(agent.id());
        }
        assertThat(agents.findById(agent.id()).block(BLOCK).status()).isEqualTo(AgentStatus.ERROR);
        memory.of(agent.id()).reachable();

        long checks = memory.of(agent.id()).calls().stream().filter("health"::equals).count();
        checker.checkDue().block(BLOCK);
        assertThat(memory.of(agent.id()).calls().stream().filter("health"::equals).count())
                .as("backed off: no check due yet").isEqualTo(checks);

        checker.agentConnected(new io.codehub.hub.agents.AgentConnected(agent.id()));
        checker.checkDue().block(BLOCK);

        org.awaitility.Awaitility.await().atMost(BLOCK)
                .until(() -> agents.findById(agent.id()).block(BLOCK).status() == AgentStatus.ACTIVE);
    }

    @Test
    void aTunnelAgentThatJustConnectedIsFirstCheckedAnIntervalAfterItsSessionOpened() {
        Agent agent = tunnelAgent(AgentStatus.ACTIVE, null);
        agents.insert(agent).block(BLOCK);
        clock.advance(Duration.ofSeconds(31)); // past the reconnect grace of the hub's start
        checker.agentConnected(new io.codehub.hub.agents.AgentConnected(agent.id()));
        for (int second = 0; second < 28; second++) {
            checker.checkDue().block(BLOCK);
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(healthCalls(agent.id())).as("checked within the interval its handshake covers").isZero();
        clock.advance(Duration.ofSeconds(2));
        checker.checkDue().block(BLOCK);
        assertThat(healthCalls(agent.id())).as("checked when the interval is up").isEqualTo(1);

        // Reconnecting (a hub restart on its side, a network blip) does not move a schedule it has.
        checker.agentConnected(new io.codehub.hub.agents.AgentConnected(agent.id()));
        for (int second = 0; second < 28; second++) {
            clock.advance(Duration.ofSeconds(1));
            checker.checkDue().block(BLOCK);
        }
        assertThat(healthCalls(agent.id())).as("not checked again within the interval less a call's allowance")
                .isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        checker.checkDue().block(BLOCK);
        assertThat(healthCalls(agent.id())).as("due again a tick and a second before the interval is up").isEqualTo(2);
    }

    private Agent tunnelAgent(AgentStatus status, Instant lastHealthAt) {
        Agent base = TestAgents.agent(5, status, null, Map.of());
        return new Agent(base.id(), base.name(), java.net.URI.create("tunnel://" + base.id()), base.apiKeyHash(), null,
                null, base.type(), status, base.capacity(), 0, null, base.labels(), lastHealthAt, 0, null, "test",
                base.auth(), T0, T0, base.facts(), base.history());
    }

    private long healthCalls(String agentId) {
        return memory.of(agentId).calls().stream().filter("health"::equals).count();
    }

    @Test
    void aFleetIsCheckedSpreadOverTheIntervalOncePerIntervalAndPassedChecksAreWrittenInBatches() {
        int fleet = 300;
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < fleet; i++) {
            Agent agent = tunnelAgent(AgentStatus.ACTIVE, T0.minusSeconds(60));
            agents.insert(agent).block(BLOCK);
            ids.add(agent.id());
        }
        Agent neverConnected = tunnelAgent(AgentStatus.PENDING, null);
        agents.insert(neverConnected).block(BLOCK);

        long mostInOneTick = 0;
        long before = 0;
        for (int second = 0; second <= 30; second++) { // one interval (30 s) of 1 s ticks: first checks are in (0, 30 s)
            if (second == 30) {
                // a check is due again a tick and a second before the interval is up: none twice before that
                assertThat(ids).allSatisfy(id -> assertThat(healthCalls(id)).as("checks of %s", id).isLessThanOrEqualTo(1));
            }
            checker.checkDue().block(BLOCK);
            long now = ids.stream().mapToLong(this::healthCalls).sum();
            mostInOneTick = Math.max(mostInOneTick, now - before);
            before = now;
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(ids).allSatisfy(id -> assertThat(healthCalls(id)).as("checks of %s in one interval", id)
                .isBetween(1L, 2L));
        assertThat(mostInOneTick).as("checks in one tick, of %d agents", fleet).isLessThanOrEqualTo(fleet / 10);
        assertThat(healthCalls(neverConnected.id())).as("a tunnel agent that never connected").isZero();
        org.awaitility.Awaitility.await().atMost(BLOCK).untilAsserted(() -> assertThat(ids)
                .allSatisfy(id -> assertThat(agents.findById(id).block(BLOCK).facts().runtime()).isNotNull()));

        // The second round changes nothing but the time: written in batches at the next tick.
        Instant secondRound = clock.instant();
        for (int second = 0; second <= 30; second++) {
            checker.checkDue().block(BLOCK);
            clock.advance(Duration.ofSeconds(1));
        }
        checker.checkDue().block(BLOCK);
        assertThat(ids).allSatisfy(id -> assertThat(healthCalls(id)).isGreaterThanOrEqualTo(2));
        org.awaitility.Awaitility.await().atMost(BLOCK).untilAsserted(() -> assertThat(ids).allSatisfy(id -> assertThat(
                agents.findById(id).block(BLOCK).lastHealthAt()).isAfterOrEqualTo(secondRound)));
    }
}
