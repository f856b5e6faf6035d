package io.codehub.hub.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.LoopbackProxy;
import io.codehub.hub.support.PrivatePostgres;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHub;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL restarted in the middle of reconciliation (#16, faults): a hub on a PostgreSQL of the
 * test's own ({@link PrivatePostgres}), a real agent process on the real dockerd behind a loopback
 * proxy, and the database crashed ({@code pg_ctl stop -m immediate}) exactly while the agent
 * executes a step, so that the step happens on the agent but its record never reaches the
 * database. Nothing is lost (every workspace the API accepted converges) and nothing is doubled
 * (one container and one volume per workspace, one archive per archived workspace).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DatabaseRestartIT {

    private static final String ADMIN_TOKEN = "database-restart-admin-token-0123456789";
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    /** How long the database stays down after the crash. */
    private static final Duration DOWN = Duration.ofSeconds(3);

    private static Path dir;
    private static PrivatePostgres database;
    private static LoopbackProxy toAgent;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient http;
    private static AgentProcess agent;
    private static final List<String> created = new ArrayList<>();

    @BeforeAll
    static void startDatabaseHubAndAgent() throws Exception {
        dir = Files.createTempDirectory("database-restart-it");
        database = PrivatePostgres.create();
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "codehub.database.url", database.url(),
                "codehub.database.acquire-timeout", "2s",
                "codehub.hub.health.interval", "500ms", "codehub.hub.health.timeout", "2s",
                "codehub.hub.reconciler.interval", "500ms", "codehub.hub.reconciler.poll-interval", "200ms",
                "codehub.hub.reconciler.retry-backoff", "300ms", "codehub.hub.reconciler.retry-max-backoff", "1s",
                "codehub.hub.gateway.enabled", "false");
        http = TestHub.adminClient(hub, ADMIN_TOKEN);
        int agentPort = AgentProcess.freePort();
        toAgent = new LoopbackProxy(agentPort);
        agent = AgentProcess.startRegistered(http, Map.of("name", "behind-proxy", "type", "docker", "capacity", 16,
                "region", "db-restart"), agentPort, toAgent.port(), dir.resolve("agent"), Map.of(), CONVERGE);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (hub != null) {
                hub.close();
            }
            if (agent != null) {
                agent.close();
            }
            if (toAgent != null) {
                toAgent.close();
            }
        } finally {
            try {
                created.forEach(DockerCli::removeWorkspaces);
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
    void aCrashWhileInstancesStartLosesAndDoublesNothing() {
        crashWhenTheAgentIsAsked("/start HTTP/1.1");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(create("start-" + i));
        }
        ids.forEach(id -> awaitState(id, "RUNNING"));
        for (String id : ids) {
            assertThat(DockerCli.run("ps", "-aq", "--filter", "name=^codehub-ws-" + id + "$").lines().count())
                    .as("containers of %s", id).isEqualTo(1);
            assertThat(DockerCli.hasVolume(id)).isTrue();
        }
        assertThat(workspaceIds()).containsAll(ids).hasSize(ids.size());
    }

    @Test
    @Order(2)
    void aCrashWhileAnArchiveStartsMakesOneArchive() throws Exception {
        String id = created.get(0);
        DockerCli.writeFile(id, "kept.txt", "archived across a database crash");
        crashWhenTheAgentIsAsked("POST /jobs/archive ");
        http.post().uri("/api/v1/workspaces/{id}/archive", id).exchange().expectStatus().isAccepted();
        JsonNode archived = awaitState(id, "ARCHIVED");
        String key = archived.get("archiveKey").asString();
        try (Stream<Path> files = Files.list(agent.archiveDir())) {
            assertThat(files.map(file -> file.getFileName().toString()).filter(name -> name.startsWith(id)))
                    .as("one archive (and its sidecar) for one archive request").containsExactlyInAnyOrder(key,
                            key + ".sha256");
        }

        http.post().uri("/api/v1/workspaces/{id}/start", id).exchange().expectStatus().isAccepted();
        awaitState(id, "RUNNING");
        assertThat(DockerCli.readFile(id, "kept.txt")).isEqualTo("archived across a database crash");
    }

    /** Crashes the database when the agent is next asked {@code request}, and starts it {@link #DOWN} later. */
    private static void crashWhenTheAgentIsAsked(String request) {
        toAgent.beforeForwarding(request, () -> {
            database.crash();
            CompletableFuture.runAsync(() -> database.start(),
                    CompletableFuture.delayedExecutor(DOWN.toMillis(), TimeUnit.MILLISECONDS));
        });
    }

    private static String create(String name) {
        Map<String, Object> body = new HashMap<>(Map.of("name", name, "region", "db-restart",
                "image", "codehub/busybox:local", "imagePullPolicy", "Never",
                "command", List.of("httpd", "-f", "-p", "8080", "-h", "/home/coder")));
        // The API itself answers 503 while the database is down: a client retries, as this one does.
        String id = await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() -> {
            var result = http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                    .exchange().expectBody(JsonNode.class).returnResult();
            return result.getStatus().value() == 201 ? result.getResponseBody().get("id").asString() : null;
        }, found -> found != null);
        created.add(id);
        return id;
    }

    private static List<String> workspaceIds() {
        return get("/api/v1/workspaces").get("items").findValuesAsString("id");
    }

    private static JsonNode get(String path) {
        return await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() -> {
            var result = http.get().uri(path).exchange().expectBody(JsonNode.class).returnResult();
            return result.getStatus().value() == 200 ? result.getResponseBody() : null;
        }, found -> found != null);
    }

    private static JsonNode awaitState(String id, String state) {
        return await().atMost(CONVERGE).pollInterval(Duration.ofMillis(100)).until(() -> get("/api/v1/workspaces/" + id),
                w -> {
                    String now = w.get("state").asString();
                    if ("ERROR".equals(now)) {
                        throw new AssertionError("workspace " + id + " went ERROR: " + w.get("reason"));
                    }
                    return state.equals(now);
                });
    }
}
