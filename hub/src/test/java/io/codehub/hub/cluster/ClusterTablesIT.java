package io.codehub.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.support.TestAgents;
import io.codehub.hub.support.TestDatabase;
import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.hub.workspaces.DesiredState;
import io.codehub.hub.workspaces.ObservedState;
import io.codehub.hub.workspaces.Workspace;
import io.codehub.runtime.InstanceSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The cluster's rows on the real PostgreSQL at 127.0.0.1:5432, in a schema of their own: leases in
 * database time, the tunnel registry's epochs, step claims, and the split of work between hubs.
 * An unreachable PostgreSQL fails this test: it is never skipped.
 */
@Timeout(120)
class ClusterTablesIT {

    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private TestDatabase db;
    private ClusterTables tables;

    @BeforeEach
    void open() {
        db = TestDatabase.postgres();
        tables = new ClusterTables(db.client());
    }

    @AfterEach
    void close() throws Exception {
        db.close();
    }

    @Test
    void aLiveLeaseKeepsItsIdFromAnotherProcessUntilItLapses() {
        assertThat(tables.acquire("hub-1", "process-a", "http://10.0.0.1:8444", TTL).block(WAIT)).isTrue();
        assertThat(tables.acquire("hub-1", "process-b", "http://10.0.0.2:8444", TTL).block(WAIT))
                .as("a second process with the same hub id").isFalse();
        assertThat(tables.renew("hub-1", "process-a", TTL, false).block(WAIT)).isTrue();
        assertThat(tables.liveHubs().block(WAIT)).extracting(LiveHub::id, LiveHub::internalUrl)
                .containsExactly(tuple("hub-1", "http://10.0.0.1:8444"));

        await().atMost(WAIT).until(() -> tables.liveHubs().block(WAIT).isEmpty());
        assertThat(tables.acquire("hub-1", "process-b", "http://10.0.0.2:8444", TTL).block(WAIT))
                .as("the lapsed lease is taken over").isTrue();
        assertThat(tables.renew("hub-1", "process-a", TTL, false).block(WAIT))
                .as("the old process has lost it").isFalse();
    }

    @Test
    void theNewestTunnelClaimWinsAndAReleaseOfAnOlderSessionLeavesIt() {
        lease("hub-1");
        lease("hub-2");
        tables.claimTunnel("agent-a", "hub-1", "s1", "203.0.113.7:40000").block(WAIT);
        tables.claimTunnel("agent-a", "hub-2", "s2", "203.0.113.7:40001").block(WAIT);

        TunnelRow row = single("agent-a");
        assertThat(row.hubId()).isEqualTo("hub-2");
        assertThat(row.sessionId()).isEqualTo("s2");
        assertThat(row.remoteAddress()).isEqualTo("203.0.113.7:40001");

        tables.releaseTunnel("agent-a", "s1").block(WAIT);
        assertThat(single("agent-a").sessionId()).as("hub-1 closing the old session keeps hub-2's row").isEqualTo("s2");
        tables.releaseTunnel("agent-a", "s2").block(WAIT);
        assertThat(tables.liveTunnels().block(WAIT)).isEmpty();
    }

    @Test
    void rowsOfAHubWhoseLeaseLapsedAreNotRead() {
        tables.acquire("hub-1", "p1", "http://10.0.0.1:8444", TTL).block(WAIT);
        tables.claimTunnel("agent-a", "hub-1", "s1", null).block(WAIT);
        assertThat(tables.liveTunnels().block(WAIT)).hasSize(1);

        await().atMost(WAIT).until(() -> tables.liveTunnels().block(WAIT).isEmpty());
    }

    @Test
    void stepClaimsAreExclusiveAndADeadHubsClaimMovesOn() {
        String workspace = workspace();
        lease("hub-1");
        tables.acquire("hub-2", "p2", "http://10.0.0.2:8444", TTL).block(WAIT);

        assertThat(tables.claimSteps(workspace, "hub-2").block(WAIT)).isTrue();
        assertThat(tables.claimSteps(workspace, "hub-2").block(WAIT)).as("the holder again").isTrue();
        assertThat(tables.claimSteps(workspace, "hub-1").block(WAIT)).as("while hub-2 lives").isFalse();
        tables.releaseSteps(workspace, "hub-1").block(WAIT);
        assertThat(tables.claimSteps(workspace, "hub-1").block(WAIT)).as("a release by a non-holder").isFalse();

        // hub-2 stops renewing: its claim is free once its lease has lapsed, with no clean-up.
        await().atMost(WAIT).until(() -> {
            lease("hub-1");
            return tables.claimSteps(workspace, "hub-1").block(WAIT);
        });
        tables.releaseSteps(workspace, "hub-1").block(WAIT);
        assertThat(tables.claimSteps(workspace, "hub-2").block(WAIT)).isTrue();
    }

    /**
     * Two hubs hammering claims on the same workspace, each "taking a step" while it holds the
     * claim: never both at once.
     */
    @Test
    void twoHubsNeverHoldAStepClaimAtOnce() {
        String workspace = workspace();
        lease("hub-1");
        lease("hub-2");
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Map<String, AtomicInteger> steps = new ConcurrentHashMap<>();
        List<Mono<Void>> hubs = new ArrayList<>();
        for (String hub : List.of("hub-1", "hub-2")) {
            hubs.add(Flux.range(0, 60).concatMap(round -> tables.claimSteps(workspace, hub).flatMap(won -> {
                if (!won) {
                    return Mono.empty();
                }
                most.accumulateAndGet(holders.incrementAndGet(), Math::max);
                steps.computeIfAbsent(hub, h -> new AtomicInteger()).incrementAndGet();
                return Mono.delay(Duration.ofMillis(2))
                        .then(Mono.fromRunnable(holders::decrementAndGet))
                        .then(tables.releaseSteps(workspace, hub));
            })).then().subscribeOn(Schedulers.parallel()));
        }
        Mono.when(hubs).block(Duration.ofSeconds(60));

        assertThat(most.get()).as("hubs holding the claim at once").isEqualTo(1);
        assertThat(steps.values().stream().mapToInt(AtomicInteger::get).sum()).as("steps taken").isPositive();
    }

    @Test
    void everyAgentIsOwnedByExactlyOneLiveHubAndADeadHubsShareMoves() {
        Membership one = membership("hub-1");
        Membership two = membership("hub-2");
        Membership three = membership("hub-3");
        try {
            one.start();
            two.start();
            three.start();
            Mono.when(one.tick(), two.tick(), three.tick()).block(WAIT);
            List<String> agents = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                agents.add("agent-" + i);
            }
            Map<String, Integer> perHub = new ConcurrentHashMap<>();
            for (String agent : agents) {
                List<Membership> owners = List.of(one, two, three).stream().filter(m -> m.owns(agent)).toList();
                assertThat(owners).as("owners of " + agent).hasSize(1);
                perHub.merge(owners.get(0).hubId(), 1, Integer::sum);
            }
            assertThat(perHub).as("each hub gets a share").hasSize(3).allSatisfy((hub, n) -> assertThat(n)
                    .isBetween(50, 150));

            three.stop(); // a clean stop ends its lease at once
            Mono.when(one.tick(), two.tick()).block(WAIT);
            for (String agent : agents) {
                assertThat(one.owns(agent) ^ two.owns(agent)).as("one owner of " + agent).isTrue();
            }
            two.drainingWhen(() -> true);
            two.tick().block(WAIT); // writes that it drains
            one.tick().block(WAIT); // reads it
            assertThat(agents).allSatisfy(agent -> assertThat(one.owns(agent)).as(agent).isTrue());
            assertThat(agents).noneSatisfy(agent -> assertThat(two.owns(agent)).isTrue());
        } finally {
            one.stop();
            two.stop();
            three.stop();
        }
    }

    private Membership membership(String id) {
        return new Membership(tables, new LiveTunnels(), id, "http://127.0.0.1:1/" + id, Duration.ofSeconds(6),
                Duration.ofSeconds(2));
    }

    private void lease(String hub) {
        tables.acquire(hub, "process-of-" + hub, "http://127.0.0.1:1", Duration.ofSeconds(30)).block(WAIT);
        tables.renew(hub, "process-of-" + hub, Duration.ofSeconds(30), false).block(WAIT);
    }

    private TunnelRow single(String agentId) {
        List<TunnelRow> rows = tables.liveTunnels().block(WAIT);
        assertThat(rows).extracting(TunnelRow::agentId).containsExactly(agentId);
        return rows.get(0);
    }

    private String workspace() {
        Agent agent = TestAgents.agent(1, AgentStatus.ACTIVE, "eu-west", Map.of());
        db.agents().insert(agent).block(WAIT);
        Instant now = Instant.now();
        Workspace workspace = new Workspace(UUID.randomUUID().toString(), "ws", null, agent.id(),
                InstanceSpec.of("codehub/busybox:local", List.of("httpd", "-f"), Map.of(), 8081, List.of(), null,
                        null, 64, 0.5),
                DesiredState.RUNNING, ObservedState.PENDING, null, null, null, 0, null, now, now, 0);
        return db.workspaces().insert(workspace).block(WAIT).id();
    }
}
