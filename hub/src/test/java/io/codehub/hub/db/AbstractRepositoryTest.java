package io.codehub.hub.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentAuth;
import io.codehub.hub.agents.AgentFacts;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.agents.Labels;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.problem.HubProblemType;
import io.codehub.hub.support.TestAgents;
import io.codehub.hub.support.TestDatabase;
import io.codehub.hub.workspaces.DesiredState;
import io.codehub.hub.workspaces.ObservedState;
import io.codehub.hub.workspaces.Placement;
import io.codehub.hub.workspaces.PlacementRequest;
import io.codehub.hub.workspaces.Workspace;
import io.codehub.hub.workspaces.WorkspaceRepository;
import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.InstanceSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The repositories' behaviour, run on every database the hub supports: {@link H2RepositoryTest}
 * (embedded H2) and {@link PostgresRepositoryIT} (the real PostgreSQL). Each subclass opens one
 * freshly migrated database for its tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractRepositoryTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private TestDatabase database;
    private AgentRepository agents;
    private WorkspaceRepository workspaces;
    private TransactionalOperator tx;

    /** Opens the database under test. */
    abstract TestDatabase open() throws Exception;

    @BeforeAll
    void openDatabase() throws Exception {
        database = open();
        agents = database.agents();
        workspaces = database.workspaces();
        tx = database.tx();
    }

    @AfterAll
    void closeDatabase() throws Exception {
        if (database != null) {
            database.close();
        }
    }

    private Agent saved(Agent agent) {
        agents.insert(agent).block(TIMEOUT);
        return agents.findById(agent.id()).block(TIMEOUT);
    }

    private Workspace workspace(Agent agent, DesiredState desired, ObservedState observed) {
        Workspace workspace = new Workspace(UUID.randomUUID().toString(), "ws", "user:42 (Ünïcode)", agent.id(),
                InstanceSpec.of("codehub/busybox:local", List.of("httpd", "-f"), Map.of("A", "b"), 8081, List.of(3000),
                        null, null, 64, 0.5),
                desired, observed, null, null, null, 0, null, T0, T0, 0);
        return workspaces.insert(workspace).block(TIMEOUT);
    }

    // ---- agents --------------------------------------------------------------------------------

    @Test
    void agentRoundTrip() {
        Agent agent = TestAgents.agent(5, AgentStatus.ACTIVE, "eu-west", Map.of("gpu", "true", "zone", "a"));
        Agent read = saved(agent);
        assertThat(read).isEqualTo(agent);
        assertThat(read.labels().values()).containsEntry("gpu", "true").containsEntry("zone", "a");
        assertThat(agents.findById("no-such-agent").blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void schedulesArePagedThroughEveryAgentOnce() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(saved(TestAgents.agent(5)).id());
        }
        List<String> all = agents.schedules().map(AgentRepository.Schedule::id).collectList().block(TIMEOUT);
        List<String> paged = agents.schedules(3).map(AgentRepository.Schedule::id).collectList().block(TIMEOUT);
        assertThat(paged).containsExactlyInAnyOrderElementsOf(all).doesNotHaveDuplicates().containsAll(ids);
    }

    @Test
    void findAllFiltersByStatusAndRegion() {
        String region = "r-" + UUID.randomUUID().toString().substring(0, 8);
        Agent active = saved(TestAgents.agent(1, AgentStatus.ACTIVE, region, Map.of()));
        Agent inactive = saved(TestAgents.agent(1, AgentStatus.INACTIVE, region, Map.of()));
        assertThat(agents.findAll(null, region).map(Agent::id).collectList().block(TIMEOUT))
                .containsExactlyInAnyOrder(active.id(), inactive.id());
        assertThat(agents.findAll(AgentStatus.INACTIVE, region).map(Agent::id).collectList().block(TIMEOUT))
                .containsExactly(inactive.id());
    }

    @Test
    void updateSettingsChangesOnlyThem() {
        Agent agent = saved(TestAgents.agent(2));
        Instant later = T0.plusSeconds(60);
        Agent changed = agents.updateSettings(agent.withSettings(URI.create("https://agent.example:8443"), 7,
                Labels.of(Map.of("ssd", "yes")), "us", AgentStatus.INACTIVE, AgentAuth.API_KEY_AND_MTLS, later))
                .block(TIMEOUT);
        assertThat(changed.endpoint()).hasToString("https://agent.example:8443");
        assertThat(changed.capacity()).isEqualTo(7);
        assertThat(changed.labels().values()).containsExactly(Map.entry("ssd", "yes"));
        assertThat(changed.region()).isEqualTo("us");
        assertThat(changed.auth()).isEqualTo(AgentAuth.API_KEY_AND_MTLS);
        assertThat(changed.status()).isEqualTo(AgentStatus.INACTIVE);
        assertThat(changed.updatedAt()).isEqualTo(later);
        assertThat(changed.apiKeyHash()).isEqualTo(agent.apiKeyHash());
        Agent unknown = TestAgents.agent(1);
        assertThat(agents.updateSettings(unknown).blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void rotateKeyKeepsThePreviousHashUntilItExpires() {
        Agent agent = saved(TestAgents.agent(1));
        Instant expiry = T0.plus(Duration.ofHours(24));
        assertThat(agents.rotateKey(agent.id(), "$2a$04$new", expiry, T0).block(TIMEOUT)).isTrue();
        Agent rotated = agents.findById(agent.id()).block(TIMEOUT);
        assertThat(rotated.apiKeyHash()).isEqualTo("$2a$04$new");
        assertThat(rotated.previousApiKeyHash()).isEqualTo(agent.apiKeyHash());
        assertThat(rotated.previousKeyExpiresAt()).isEqualTo(expiry);
        assertThat(agents.rotateKey("no-such-agent", "x", expiry, T0).block(TIMEOUT)).isFalse();
    }

    @Test
    void reserveSlotNeverOverbooksUnderConcurrency() {
        Agent agent = saved(TestAgents.agent(10));
        List<Boolean> results = Flux.range(0, 50)
                .flatMap(i -> tx.transactional(agents.reserveSlot(agent.id(), T0)).subscribeOn(Schedulers.parallel()), 50)
                .collectList().block(TIMEOUT);
        assertThat(results).filteredOn(Boolean::booleanValue).hasSize(10);
        assertThat(agents.findById(agent.id()).block(TIMEOUT).currentLoad()).isEqualTo(10);
    }

    @Test
    void reserveSlotRefusesAgentsThatAreNotActive() {
        Agent inactive = saved(TestAgents.agent(3, AgentStatus.INACTIVE, null, Map.of()));
        Agent failing = saved(TestAgents.agent(3, AgentStatus.ERROR, null, Map.of()));
        assertThat(agents.reserveSlot(inactive.id(), T0).block(TIMEOUT)).isFalse();
        assertThat(agents.reserveSlot(failing.id(), T0).block(TIMEOUT)).isFalse();
    }

    @Test
    void releaseSlotNeverGoesBelowZero() {
        Agent agent = saved(TestAgents.agent(2));
        assertThat(agents.reserveSlot(agent.id(), T0).block(TIMEOUT)).isTrue();
        assertThat(agents.releaseSlot(agent.id(), T0).block(TIMEOUT)).isTrue();
        assertThat(agents.releaseSlot(agent.id(), T0).block(TIMEOUT)).isFalse();
        assertThat(agents.findById(agent.id()).block(TIMEOUT).currentLoad()).isZero();
    }

    @Test
    void healthFailuresMarkErrorOnceAndSuccessRecovers() {
        Agent agent = saved(TestAgents.agent(1));
        for (int i = 1; i <= 2; i++) {
            assertThat(agents.recordUnhealthy(agent.id(), T0, "refused").block(TIMEOUT).consecutiveFailures()).isEqualTo(i);
            assertThat(agents.markErrorIfFailing(agent.id(), 3, T0).block(TIMEOUT)).isFalse();
        }
        Agent third = agents.recordUnhealthy(agent.id(), T0, "still refused").block(TIMEOUT);
        assertThat(third.lastError()).isEqualTo("still refused");
        assertThat(agents.markErrorIfFailing(agent.id(), 3, T0).block(TIMEOUT)).isTrue();
        assertThat(agents.markErrorIfFailing(agent.id(), 3, T0).block(TIMEOUT)).isFalse();
        assertThat(agents.findById(agent.id()).block(TIMEOUT).status()).isEqualTo(AgentStatus.ERROR);

        Instant healthyAt = T0.plusSeconds(90);
        Agent recovered = agents.recordHealthy(agent.id(), healthyAt, "1.2.3").block(TIMEOUT);
        assertThat(recovered.status()).isEqualTo(AgentStatus.ACTIVE);
        assertThat(recovered.consecutiveFailures()).isZero();
        assertThat(recovered.lastError()).isNull();
        assertThat(recovered.lastHealthAt()).isEqualTo(healthyAt);
        assertThat(recovered.agentVersion()).isEqualTo("1.2.3");
    }

    @Test
    void healthyCheckDoesNotReactivateAnInactiveAgent() {
        Agent agent = saved(TestAgents.agent(1, AgentStatus.INACTIVE, null, Map.of()));
        assertThat(agents.recordHealthy(agent.id(), T0, "1").block(TIMEOUT).status()).isEqualTo(AgentStatus.INACTIVE);
    }

    @Test
    void aBatchOfConnectionsLocksItsRowsNamesThePendingAndWritesEveryRowInOneStatement() {
        Agent pending = saved(TestAgents.agent(1, AgentStatus.PENDING, null, Map.of()));
        Agent otherPending = saved(TestAgents.agent(1, AgentStatus.PENDING, null, Map.of()));
        Agent active = saved(TestAgents.agent(1, AgentStatus.ACTIVE, null, Map.of()));
        List<String> ids = List.of(active.id(), otherPending.id(), pending.id());
        Instant at = T0.plusSeconds(60);
        AgentFacts facts = new AgentFacts("linux", "amd64", "docker", null);

        List<String> madeActive = tx.transactional(agents.lockForConnection(ids).collectList()
                .flatMap(locked -> agents.recordConnected(ids, at, "2.0.0", facts).thenReturn(locked)))
                .block(TIMEOUT);

        assertThat(madeActive).containsExactlyInAnyOrder(pending.id(), otherPending.id());
        for (String id : ids) {
            Agent after = agents.findById(id).block(TIMEOUT);
            assertThat(after.status()).isEqualTo(AgentStatus.ACTIVE);
            assertThat(after.history().firstConnectedAt()).isEqualTo(at);
            assertThat(after.history().lastConnectedAt()).isEqualTo(at);
            assertThat(after.agentVersion()).isEqualTo("2.0.0");
            assertThat(after.facts().os()).isEqualTo("linux");
        }
        // a later connection keeps the first, and nobody is pending any more
        assertThat(tx.transactional(agents.lockForConnection(ids).collectList()).block(TIMEOUT)).isEmpty();
        assertThat(agents.recordConnected(ids, at.plusSeconds(5), null, AgentFacts.UNKNOWN).block(TIMEOUT)).isEqualTo(3L);
        Agent again = agents.findById(pending.id()).block(TIMEOUT);
        assertThat(again.history().firstConnectedAt()).isEqualTo(at);
        assertThat(again.history().lastConnectedAt()).isEqualTo(at.plusSeconds(5));
        assertThat(again.agentVersion()).as("a session that says nothing keeps what was known").isEqualTo("2.0.0");
    }

    // ---- workspaces ----------------------------------------------------------------------------

    @Test
    void workspaceRoundTripKeepsTheSpec() {
        Agent agent = saved(TestAgents.agent(1));
        Workspace workspace = workspace(agent, DesiredState.RUNNING, ObservedState.PENDING);
        Workspace read = workspaces.findById(workspace.id()).block(TIMEOUT);
        assertThat(read).isEqualTo(workspace);
        assertThat(read.owner()).isEqualTo("user:42 (Ünïcode)");
        assertThat(read.spec().command()).containsExactly("httpd", "-f");
        assertThat(read.spec().ports()).containsExactly(3000);
        assertThat(read.spec().env()).containsEntry("A", "b");
        assertThat(read.spec().memoryMb()).isEqualTo(64);
    }

    @Test
    void updateChecksTheVersion() {
        Agent agent = saved(TestAgents.agent(1));
        Workspace workspace = workspace(agent, DesiredState.RUNNING, ObservedState.PENDING);
        Instant now = T0.plusSeconds(5);
        ArchiveKey key = ArchiveKey.of(workspace.id() + "-20260101T000000Z-00000000.tar.gz");
        Workspace saved = workspaces.update(workspace.moveTo(ObservedState.ARCHIVING).withJob("job-1")
                .withArchiveKey(key), now).block(TIMEOUT);
        assertThat(saved.version()).isEqualTo(1);
        Workspace read = workspaces.findById(workspace.id()).block(TIMEOUT);
        assertThat(read.observed()).isEqualTo(ObservedState.ARCHIVING);
        assertThat(read.jobId()).isEqualTo("job-1");
        assertThat(read.archiveKey()).isEqualTo(key);
        assertThat(read.updatedAt()).isEqualTo(now);
        assertThat(read.version()).isEqualTo(1);

        assertThatThrownBy(() -> workspaces.update(workspace.moveTo(ObservedState.RUNNING), now).block(TIMEOUT))
                .isInstanceOf(OptimisticLockingFailureException.class);
        assertThat(workspaces.delete(workspace.id(), 0).block(TIMEOUT)).isFalse();
        assertThat(workspaces.delete(workspace.id(), 1).block(TIMEOUT)).isTrue();
        assertThat(workspaces.findById(workspace.id()).blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void findDueSkipsSettledErroredAndLaterWork() {
        Agent agent = saved(TestAgents.agent(10));
        Workspace pending = workspace(agent, DesiredState.RUNNING, ObservedState.PENDING);
        Workspace settled = workspace(agent, DesiredState.RUNNING, ObservedState.RUNNING);
        Workspace failed = workspace(agent, DesiredState.RUNNING, ObservedState.ERROR);
        Workspace stopping = workspace(agent, DesiredState.STOPPED, ObservedState.RUNNING);
        Workspace deleting = workspace(agent, DesiredState.DELETED, ObservedState.STOPPED);
        Workspace later = workspaces.update(workspace(agent, DesiredState.STOPPED, ObservedState.STOPPING)
                .withNextAttemptAt(T0.plusSeconds(3600)), T0).block(TIMEOUT);

        List<String> due = workspaces.findDue(T0.plusSeconds(1), 1000).map(Workspace::id).collectList().block(TIMEOUT);
        assertThat(due).contains(pending.id(), stopping.id(), deleting.id())
                .doesNotContain(settled.id(), failed.id(), later.id());
        assertThat(workspaces.findDue(T0.plusSeconds(7200), 1000).map(Workspace::id).collectList().block(TIMEOUT))
                .contains(later.id());
    }

    @Test
    void failInFlightMarksOnlyStepsInFlightOfThatAgent() {
        Agent agent = saved(TestAgents.agent(10));
        Agent other = saved(TestAgents.agent(10));
        Workspace starting = workspace(agent, DesiredState.RUNNING, ObservedState.STARTING);
        Workspace running = workspace(agent, DesiredState.RUNNING, ObservedState.RUNNING);
        Workspace elsewhere = workspace(other, DesiredState.RUNNING, ObservedState.STARTING);

        assertThat(workspaces.failInFlight(agent.id(), "agent down", T0).block(TIMEOUT)).isEqualTo(1);
        Workspace failed = workspaces.findById(starting.id()).block(TIMEOUT);
        assertThat(failed.observed()).isEqualTo(ObservedState.ERROR);
        assertThat(failed.reason()).isEqualTo("agent down");
        assertThat(failed.version()).isEqualTo(starting.version() + 1);
        assertThat(workspaces.findById(running.id()).block(TIMEOUT).observed()).isEqualTo(ObservedState.RUNNING);
        assertThat(workspaces.findById(elsewhere.id()).block(TIMEOUT).observed()).isEqualTo(ObservedState.STARTING);
    }

    @Test
    void anAgentWithWorkspacesCannotBeDeleted() {
        Agent agent = saved(TestAgents.agent(1));
        workspace(agent, DesiredState.RUNNING, ObservedState.PENDING);
        assertThat(workspaces.countByAgent(agent.id()).block(TIMEOUT)).isEqualTo(1);
        assertThatThrownBy(() -> agents.delete(agent.id()).block(TIMEOUT))
                .isInstanceOf(DataIntegrityViolationException.class);
        Agent empty = saved(TestAgents.agent(1));
        assertThat(agents.delete(empty.id()).block(TIMEOUT)).isTrue();
        assertThat(agents.delete(empty.id()).block(TIMEOUT)).isFalse();
    }

    // ---- placement -----------------------------------------------------------------------------

    @Test
    void fiftyConcurrentPlacementsOnCapacityTenPlaceExactlyTen() {
        String region = "p-" + UUID.randomUUID().toString().substring(0, 8);
        Agent agent = saved(TestAgents.agent(10, AgentStatus.ACTIVE, region, Map.of()));
        Placement placement = new Placement(agents, Clock.fixed(T0, ZoneOffset.UTC));
        PlacementRequest request = new PlacementRequest(null, region, null, Labels.NONE);

        List<String> outcomes = Flux.range(0, 50)
                .flatMap(i -> tx.transactional(placement.reserve(request).flatMap(chosen -> workspaces.insert(
                                new Workspace(UUID.randomUUID().toString(), "ws-" + i, null, chosen.id(),
                                        InstanceSpec.ofImage("codehub/busybox:local"), DesiredState.RUNNING,
                                        ObservedState.PENDING, null, null, null, 0, null, T0, T0, 0))))
                        .map(w -> "placed")
                        .onErrorResume(HubProblemException.class, e -> Mono.just(e.type().slug()))
                        .subscribeOn(Schedulers.parallel()), 50)
                .collectList().block(TIMEOUT);

        assertThat(outcomes).hasSize(50);
        assertThat(outcomes).filteredOn("placed"::equals).hasSize(10);
        assertThat(outcomes).filteredOn(HubProblemType.NO_ELIGIBLE_AGENT.slug()::equals).hasSize(40);
        assertThat(agents.findById(agent.id()).block(TIMEOUT).currentLoad()).isEqualTo(10);
        assertThat(workspaces.countByAgent(agent.id()).block(TIMEOUT)).isEqualTo(10);
    }
}
