package io.codehub.hub.workspaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.random.RandomGenerator;

import io.codehub.base.FixedRandom;
import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.config.HubProperties;
import io.codehub.hub.support.InMemoryAgents;
import io.codehub.hub.support.InMemoryRuntime;
import io.codehub.hub.support.RecordingEvents;
import io.codehub.hub.support.TestAgents;
import io.codehub.hub.support.TestDatabase;
import io.codehub.hub.support.TestFiles;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** The reconciler's state machine and failure handling, on H2 with in-memory agents. */
class WorkspaceReconcilerTest {

    private static final Duration BLOCK = Duration.ofSeconds(10);
    private static final Duration CONVERGE = Duration.ofSeconds(20);

    // Removed by close() itself: JUnit's own clean-up failed the test once in CI (a file of the
    // embedded database appeared while it listed the directory); the deletion here is best effort.
    @TempDir(cleanup = CleanupMode.NEVER)
    Path dir;

    private TestDatabase database;
    private AgentRepository agents;
    private WorkspaceRepository workspaces;
    private final InMemoryAgents memory = new InMemoryAgents();
    private WorkspaceReconciler reconciler;
    private WorkspaceService service;

    final RecordingEvents events = new RecordingEvents();

    @BeforeEach
    void open() {
        database = TestDatabase.h2(dir);
        agents = database.agents();
        workspaces = database.workspaces();
        reconciler = newReconciler();
        reconciler.start();
        service = new WorkspaceService(workspaces, new Placement(agents, Clock.systemUTC()), reconciler, database.tx(),
                Clock.systemUTC(), FixedRandom.of(0.5), events);
    }

    @AfterEach
    void close() throws Exception {
        try {
            reconciler.stop();
            database.close();
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    private WorkspaceReconciler newReconciler() {
        return newReconciler(FixedRandom.of(0.5));
    }

    private WorkspaceReconciler newReconciler(RandomGenerator random) {
        HubProperties.Reconciler settings = new HubProperties.Reconciler(Duration.ofMillis(100), Duration.ofMillis(10), 3,
                Duration.ofMillis(10), Duration.ofMillis(50), 4, 100);
        return new WorkspaceReconciler(workspaces, agents, memory, database.tx(), settings, Clock.systemUTC(), random,
                events);
    }

    @Test
    void failedAttemptsWaitLongerEachTimeWithinTheRetryBounds() {
        WorkspaceReconciler lowest = newReconciler(FixedRandom.of(0));
        WorkspaceReconciler highest = newReconciler(FixedRandom.of(FixedRandom.TOP));
        WorkspaceReconciler middle = newReconciler(FixedRandom.of(0.5));
        // retryBackoff 10 ms doubling to retryMaxBackoff 50 ms, each delay within ±50 % and within those bounds
        assertThat(lowest.retryDelay(1)).as("never below the first delay").isEqualTo(Duration.ofMillis(10));
        assertThat(middle.retryDelay(1)).isEqualTo(Duration.ofNanos(12_500_000));
        assertThat(highest.retryDelay(1)).isEqualTo(Duration.ofMillis(15).minusNanos(1));
        assertThat(lowest.retryDelay(2)).isEqualTo(Duration.ofMillis(10));
        assertThat(middle.retryDelay(2)).isEqualTo(Duration.ofMillis(20));
        assertThat(highest.retryDelay(2)).isEqualTo(Duration.ofMillis(30).minusNanos(1));
        assertThat(lowest.retryDelay(3)).isEqualTo(Duration.ofMillis(20));
        assertThat(highest.retryDelay(3)).as("never above retryMaxBackoff").isEqualTo(Duration.ofMillis(50).minusNanos(1));
        assertThat(lowest.retryDelay(30)).isEqualTo(Duration.ofMillis(25));
        assertThat(middle.retryDelay(30)).isEqualTo(Duration.ofNanos(37_500_000));
    }

    private Agent agent(int capacity) {
        Agent agent = TestAgents.agent(capacity);
        agents.insert(agent).block(BLOCK);
        return agent;
    }

    private Workspace create(Agent agent) {
        return service.create(new CreateWorkspaceRequest("ws", "codehub/busybox:local", null, null, null, null, null,
                agent.id(), null, null, null, null)).block(BLOCK);
    }

    private Workspace awaitObserved(String id, ObservedState state) {
        return await().atMost(CONVERGE).pollInterval(Duration.ofMillis(20))
                .until(() -> workspaces.findById(id).block(BLOCK), w -> w.observed() == state);
    }

    @Test
    void aStepThatKeepsFailingEndsInErrorAndANewRequestRetriesIt() {
        Agent agent = agent(5);
        InMemoryRuntime runtime = memory.of(agent.id());
        runtime.unreachable("connection refused by test");
        Workspace workspace = create(agent);

        Workspace failed = awaitObserved(workspace.id(), ObservedState.ERROR);
        assertThat(failed.reason()).contains("PENDING failed 3 times").contains("connection refused by test");
        assertThat(failed.attempts()).isEqualTo(3);
        int callsWhenFailed = runtime.calls().size();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> runtime.calls().size() == callsWhenFailed);

        runtime.reachable();
        service.request(workspace.id(), WorkspaceAction.START).block(BLOCK);
        Workspace running = awaitObserved(workspace.id(), ObservedState.RUNNING);
        assertThat(running.reason()).isNull();
        assertThat(running.attempts()).isZero();
        assertThat(runtime.hasInstance(WorkspaceId.of(workspace.id()))).isTrue();
    }

    @Test
    void aRestartedReconcilerResumesTheArchiveJobInFlight() {
        Agent agent = agent(5);
        InMemoryRuntime runtime = memory.of(agent.id());
        Workspace workspace = create(agent);
        awaitObserved(workspace.id(), ObservedState.RUNNING);
        runtime.pollsPerJob(1_000_000);
        service.request(workspace.id(), WorkspaceAction.ARCHIVE).block(BLOCK);
        Workspace archiving = await().atMost(CONVERGE)
                .until(() -> workspaces.findById(workspace.id()).block(BLOCK), w -> w.jobId() != null);
        assertThat(archiving.observed()).isEqualTo(ObservedState.ARCHIVING);

        reconciler.stop(); // the hub goes away mid-step
        runtime.pollsPerJob(0);
        reconciler = newReconciler();
        reconciler.start();

        Workspace archived = awaitObserved(workspace.id(), ObservedState.ARCHIVED);
        assertThat(archived.archiveKey()).isNotNull();
        assertThat(archived.jobId()).isNull();
        assertThat(runtime.calls()).filteredOn(c -> c.startsWith("startArchive")).hasSize(1);
        assertThat(runtime.archiveCount()).isEqualTo(1);
        assertThat(runtime.hasVolume(WorkspaceId.of(workspace.id()))).isFalse();
    }

    @Test
    void aJobTheAgentForgotIsStartedAgain() {
        Agent agent = agent(5);
        InMemoryRuntime runtime = memory.of(agent.id());
        Workspace workspace = create(agent);
        awaitObserved(workspace.id(), ObservedState.RUNNING);
        runtime.pollsPerJob(1_000_000);
        service.request(workspace.id(), WorkspaceAction.ARCHIVE).block(BLOCK);
        await().atMost(CONVERGE).until(() -> workspaces.findById(workspace.id()).block(BLOCK).jobId() != null);

        runtime.forgetJobs(); // the agent restarted and lost its job table
        runtime.pollsPerJob(0);
        awaitObserved(workspace.id(), ObservedState.ARCHIVED);
        assertThat(runtime.calls()).filteredOn(c -> c.startsWith("startArchive")).hasSize(2);
    }

    @Test
    void aFailingArchiveJobEndsInErrorWithTheJobsReason() {
        Agent agent = agent(5);
        InMemoryRuntime runtime = memory.of(agent.id());
        Workspace workspace = create(agent);
        awaitObserved(workspace.id(), ObservedState.RUNNING);
        runtime.failJobs(true);
        service.request(workspace.id(), WorkspaceAction.ARCHIVE).block(BLOCK);

        Workspace failed = awaitObserved(workspace.id(), ObservedState.ERROR);
        assertThat(failed.reason()).contains("ARCHIVING failed 3 times").contains("archive job")
                .contains("simulated failure");
        assertThat(failed.jobId()).isNull();
        assertThat(runtime.hasVolume(WorkspaceId.of(workspace.id()))).as("the volume is kept").isTrue();

        runtime.failJobs(false);
        service.request(workspace.id(), WorkspaceAction.ARCHIVE).block(BLOCK);
        awaitObserved(workspace.id(), ObservedState.ARCHIVED);
    }

    @Test
    void aHungAgentHoldsUpOnlyItsOwnWorkspaces() {
        Agent hung = agent(10);
        Agent healthy = agent(10);
        memory.of(hung.id()).hang(true);
        for (int i = 0; i < 8; i++) {
            create(hung);
        }
        Workspace elsewhere = create(healthy);
        awaitObserved(elsewhere.id(), ObservedState.RUNNING);
        assertThat(workspaces.findAll(hung.id(), ObservedState.PENDING).count().block(BLOCK)).isEqualTo(8);
    }

    @Test
    void deletingRemovesEverythingAndFreesTheSlot() {
        Agent agent = agent(1);
        InMemoryRuntime runtime = memory.of(agent.id());
        Workspace workspace = create(agent);
        awaitObserved(workspace.id(), ObservedState.RUNNING);
        assertThat(agents.findById(agent.id()).block(BLOCK).currentLoad()).isEqualTo(1);

        service.request(workspace.id(), WorkspaceAction.DELETE).block(BLOCK);
        await().atMost(CONVERGE).until(() -> workspaces.findById(workspace.id()).blockOptional(BLOCK).isEmpty());
        assertThat(runtime.hasInstance(WorkspaceId.of(workspace.id()))).isFalse();
        assertThat(runtime.hasVolume(WorkspaceId.of(workspace.id()))).isFalse();
        assertThat(agents.findById(agent.id()).block(BLOCK).currentLoad()).isZero();
        assertThat(create(agent).agentId()).as("the freed slot can be used again").isEqualTo(agent.id());
    }

    @Test
    void stopDuringStartEndsStopped() {
        Agent agent = agent(2);
        Workspace workspace = create(agent);
        Workspace stopped = service.request(workspace.id(), WorkspaceAction.STOP).block(BLOCK);
        assertThat(stopped.desired()).isEqualTo(DesiredState.STOPPED);
        awaitObserved(workspace.id(), ObservedState.STOPPED);
        assertThat(memory.of(agent.id()).hasInstance(WorkspaceId.of(workspace.id()))).isFalse();
        assertThat(memory.of(agent.id()).hasVolume(WorkspaceId.of(workspace.id()))).isTrue();
    }
}
