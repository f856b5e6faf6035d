package io.codehub.hub.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.Haproxy;
import io.codehub.hub.support.HubProcess;
import io.codehub.hub.support.TestDatabase;
import io.codehub.hub.support.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * Two hubs (the shipped jar, {@link HubProcess}) on one PostgreSQL schema behind HAProxy running the
 * shipped {@code deploy/haproxy/haproxy.cfg} ({@link Haproxy}): the API frontend spreads calls over
 * both hubs, a hub killed with SIGKILL is marked down by its readiness check within seconds while
 * calls through HAProxy keep succeeding, and an agent dialling the tunnel frontend reaches a live
 * hub, and reaches the other one when its hub dies. It asserts what the load balancer does (load
 * balancing, health-check failover, tunnels reaching a live hub); what hubs do for each other is
 * {@link ClusterIT}'s business. Both hubs sign with the one key they share in the database, as the
 * agent trusts one hub key.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HaproxyIT {

    private static final String ADMIN_TOKEN = "haproxy-it-admin-token-0123456789";
    private static final Duration READY = Duration.ofSeconds(120);
    /** Two failed checks 500 ms apart, with slack for a busy machine. */
    private static final Duration MARKED_DOWN = Duration.ofSeconds(10);

    /** When an agent closes a tunnel on which its hub has been silent (three 15 s keepalive intervals). */
    private static final Duration AGENT_KEEPALIVE_GIVES_UP = Duration.ofSeconds(45);
    /** The agent moves off a frozen hub within this: HAProxy's checks and cut, far from its own keepalive. */
    private static final Duration MOVED_BY_HAPROXY = Duration.ofSeconds(15);

    private static Path dir;
    private static TestDatabase database;
    private static HubProcess hub1;
    private static HubProcess hub2;
    private static Haproxy haproxy;
    private static AgentProcess agent;
    private static String agentId;

    @BeforeAll
    static void startHubsBehindHaproxy() throws Exception {
        dir = Files.createTempDirectory("haproxy-it");
        // A fresh schema of the machine's PostgreSQL (migrated here; the hubs find it current), dropped at the end.
        database = TestDatabase.postgres();
        Map<String, String> env = Map.of("CODEHUB_DATABASE_URL", TestDatabase.postgresUrl(database.target().schema()),
                "CODEHUB_HUB_HEALTH_INTERVAL", "2s");
        hub1 = HubProcess.start("hub-1", dir.resolve("hub-1"), ADMIN_TOKEN, env).awaitReady(READY);
        // hub-2 signs with the key hub-1 stored in the database (many hubs share one identity).
        hub2 = HubProcess.start("hub-2", dir.resolve("hub-2"), ADMIN_TOKEN, env).awaitReady(READY);
        haproxy = Haproxy.start(List.of(hub1, hub2), dir.resolve("haproxy"));
        for (String backend : List.of("tunnel_hubs", "api_hubs", "gateway_hubs")) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(
                    () -> haproxy.serverStates(backend), states -> states.equals(Map.of("hub-1", "UP", "hub-2", "UP")));
        }
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            for (AutoCloseable closeable : new AutoCloseable[] {agent, haproxy, hub1, hub2}) {
                if (closeable != null) {
                    closeable.close();
                }
            }
        } finally {
            try {
                if (database != null) {
                    database.close();
                }
            } finally {
                TestFiles.deleteRecursively(dir);
            }
        }
    }

    @Test
    @Order(1)
    void theApiFrontendSpreadsCallsOverBothHubs() throws Exception {
        for (HubProcess hub : List.of(hub1, hub2)) {
            hub.adminClient().get().uri("/api/v1/hub").exchange().expectStatus().isOk();
        }
        WebTestClient api = HubProcess.adminClient(haproxy.apiUrl(), ADMIN_TOKEN);
        for (int i = 0; i < 10; i++) {
            api.get().uri("/api/v1/hub").exchange().expectStatus().isOk();
        }
        // The gateway frontend reaches the hubs' gateways: a host that names no workspace gets the hub's answer.
        WebTestClient gateway = HubProcess.adminClient(haproxy.gatewayUrl(), ADMIN_TOKEN);
        for (int i = 0; i < 4; i++) {
            int status = gateway.get().uri("/").header("Host", "nothing.apps.localhost").exchange()
                    .expectBody(String.class).returnResult()
                    .getStatus().value();
            assertThat(status).as("through the gateway frontend").isBetween(400, 499);
        }
        Map<String, Map<String, String>> stats = haproxy.stats("api_hubs");
        // Round robin: 10 calls, 5 each (health checks are not sessions).
        assertThat(Long.parseLong(stats.get("hub-1").get("stot"))).as("calls hub-1 took").isGreaterThanOrEqualTo(4);
        assertThat(Long.parseLong(stats.get("hub-2").get("stot"))).as("calls hub-2 took").isGreaterThanOrEqualTo(4);
        Map<String, Map<String, String>> gateways = haproxy.stats("gateway_hubs");
        assertThat(gateways.values()).allSatisfy(row -> assertThat(Long.parseLong(row.get("stot"))).isPositive());
    }

    @Test
    @Order(2)
    void aKilledHubIsTakenOutAndItsAgentReachesTheOtherThroughTheTunnelFrontend() throws Exception {
        WebTestClient api = HubProcess.adminClient(haproxy.apiUrl(), ADMIN_TOKEN);
        JsonNode registered = api.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "behind-haproxy", "endpoint", "tunnel://", "type", "docker", "capacity", 4))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        agentId = registered.get("agent").get("id").asString();
        String publicKeyPem = hub1.adminClient().get().uri("/api/v1/hub").exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("publicKeyPem").asString();
        agent = AgentProcess.start(agentId, AgentProcess.freePort(), publicKeyPem, dir.resolve("agent"),
                Map.of("CODEHUB_AGENT_HUB_URL", haproxy.tunnelUrl(),
                        "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString()));

        HubProcess first = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> holderOf(agentId), Optional::isPresent).orElseThrow();
        HubProcess other = first == hub1 ? hub2 : hub1;

        first.kill();
        // Every call after the kill succeeds: before the checks mark the hub down, a refused
        // connection is redispatched to the other hub; after, the dead one gets none.
        long start = System.nanoTime();
        await().atMost(MARKED_DOWN).pollInterval(Duration.ofMillis(100)).until(() -> {
            api.get().uri("/api/v1/hub").exchange().expectStatus().isOk();
            return haproxy.serverStates("api_hubs").get(first.hubId()).startsWith("DOWN")
                    && haproxy.serverStates("tunnel_hubs").get(first.hubId()).startsWith("DOWN");
        });
        Duration markedDown = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("[figures] %s killed: marked down by HAProxy in %d ms%n", first.hubId(), markedDown.toMillis());
        for (int i = 0; i < 20; i++) {
            api.get().uri("/api/v1/agents/{id}", agentId).exchange().expectStatus().isOk();
        }

        // The agent lost its tunnel with its hub and redials the same frontend: it lands on the live hub.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> holderOf(agentId), holder -> holder.orElse(null) == other);
        assertThat(markedDown).as("time to mark %s down", first.hubId()).isLessThan(MARKED_DOWN);
    }

    @Test
    @Order(3)
    void theTunnelsOfAFrozenHubAreCutSoThatItsAgentsMoveAtOnce() throws Exception {
        for (HubProcess hub : List.of(hub1, hub2)) {
            if (!hub.isAlive()) {
                hub.restart().awaitReady(READY);
            }
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(
                () -> haproxy.serverStates("tunnel_hubs"), states -> states.equals(Map.of("hub-1", "UP", "hub-2", "UP")));
        HubProcess holder = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> holderOf(agentId), Optional::isPresent).orElseThrow();
        HubProcess other = holder == hub1 ? hub2 : hub1;

        // Frozen, the hub keeps its connections open: only HAProxy's checks see it is gone. Marked
        // down, its tunnels are cut (on-marked-down shutdown-sessions) and the agent redials at
        // once, well before its own keepalive would give up on the silent hub (45 s).
        holder.freeze();
        long start = System.nanoTime();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> holderOf(agentId, List.of(other)), Optional::isPresent);
        } finally {
            holder.thaw();
        }
        Duration moved = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("[figures] %s frozen: its agent connected through %s after %d ms%n", holder.hubId(),
                other.hubId(), moved.toMillis());
        assertThat(Files.readString(haproxy.log())).as("HAProxy's log").contains("tunnel_hubs/" + holder.hubId() + " is DOWN");
        assertThat(moved).as("time for the agent to move off the frozen %s (its keepalive: %s)", holder.hubId(),
                AGENT_KEEPALIVE_GIVES_UP).isLessThan(MOVED_BY_HAPROXY);
    }

    /**
     * The running hub that holds the agent's tunnel: HAProxy has one tunnel session open to it, and
     * its agents API says the agent is connected (HAProxy's count is the witness that does not
     * depend on what the hubs tell each other).
     */
    private static Optional<HubProcess> holderOf(String agentId) throws Exception {
        return holderOf(agentId, List.of(hub1, hub2));
    }

    /** As {@link #holderOf(String)}, among {@code candidates} only (a frozen hub's API would not answer). */
    private static Optional<HubProcess> holderOf(String agentId, List<HubProcess> candidates) throws Exception {
        Map<String, Map<String, String>> tunnels = haproxy.stats("tunnel_hubs");
        return candidates.stream().filter(HubProcess::isAlive)
                .filter(hub -> "1".equals(tunnels.get(hub.hubId()).get("scur")))
                .filter(hub -> "connected".equals(hub.adminClient().get().uri("/api/v1/agents/{id}", agentId)
                        .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody()
                        .path("connection").path("state").asString("")))
                .findFirst();
    }
}
