package io.codehub.hub.workspaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHttp;
import io.codehub.hub.support.TestHub;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The control plane end to end: a hub (started in this JVM, restarted when a test says so) on its
 * embedded database, and a real agent process on the real dockerd, registered through the API.
 * Workspaces go through their whole lifecycle; the hub is stopped mid-step and restarted; the agent
 * is killed and comes back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkspaceLifecycleIT {

    private static final String ADMIN_TOKEN = "lifecycle-admin-token-0123456789";
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final Map<String, Object> HTTPD = Map.of("image", "codehub/busybox:local", "imagePullPolicy", "Never",
            "command", List.of("httpd", "-f", "-p", "8080", "-h", "/home/coder"));

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient http;
    private static AgentProcess agent;
    private static String agentId;
    private static final List<String> created = new ArrayList<>();

    @BeforeAll
    static void startHubAndAgent() throws Exception {
        dir = Files.createTempDirectory("lifecycle-it");
        startHub();
        int port = AgentProcess.freePort();
        agent = AgentProcess.startRegistered(http, Map.of("name", "local-docker", "type", "docker", "capacity", 8,
                "region", "lab"), port, port, dir.resolve("agent"), Map.of(), CONVERGE);
        agentId = agent.agentId();
    }

    @AfterAll
    static void stopEverything() {
        try {
            if (hub != null) {
                hub.close();
            }
            if (agent != null) {
                agent.close();
            }
        } finally {
            created.forEach(DockerCli::removeWorkspaces);
            TestFiles.deleteRecursively(dir);
        }
    }

    private static void startHub() {
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "codehub.hub.health.interval", "500ms",
                "codehub.hub.health.timeout", "2s", "codehub.hub.health.failure-threshold", "2",
                "codehub.hub.health.max-backoff", "1s", "codehub.hub.reconciler.interval", "500ms",
                "codehub.hub.reconciler.poll-interval", "200ms", "codehub.hub.reconciler.max-attempts", "4",
                "codehub.hub.reconciler.retry-backoff", "300ms", "codehub.hub.reconciler.retry-max-backoff", "1s",
                "codehub.hub.remote.call-timeout", "20s", "codehub.hub.remote.connect-timeout", "2s",
                "codehub.hub.remote.max-retries", "1");
        String port = hub.getEnvironment().getProperty("local.server.port");
        http = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
    }

    @Test
    @Order(1)
    void aWorkspaceGoesThroughItsWholeLifecycle() {
        String id = create("lifecycle");
        JsonNode running = awaitState(id, "RUNNING");
        assertThat(running.get("agentId").asString()).isEqualTo(agentId);
        assertThat(DockerCli.hasContainer(id)).isTrue();
        DockerCli.writeFile(id, "notes/kept.txt", "survives stop, archive and restore");

        JsonNode agentView = get("/api/v1/agents/" + agentId);
        assertThat(agentView.get("currentLoad").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(agentView.get("lastHealthAt").asString()).isNotBlank();
        assertThat(agentView.get("agentVersion").asString()).isNotBlank();

        act(id, "stop");
        awaitState(id, "STOPPED");
        assertThat(DockerCli.hasContainer(id)).isFalse();
        assertThat(DockerCli.hasVolume(id)).isTrue();

        act(id, "archive");
        JsonNode archived = awaitState(id, "ARCHIVED");
        assertThat(archived.get("archiveKey").asString()).startsWith(id + "-").endsWith(".tar.gz");
        assertThat(DockerCli.hasVolume(id)).isFalse();

        act(id, "restore");
        awaitState(id, "STOPPED");
        assertThat(DockerCli.hasVolume(id)).isTrue();

        act(id, "start");
        awaitState(id, "RUNNING");
        assertThat(DockerCli.readFile(id, "notes/kept.txt")).isEqualTo("survives stop, archive and restore");

        delete(id);
        assertThat(DockerCli.hasContainer(id)).isFalse();
        assertThat(DockerCli.hasVolume(id)).isFalse();
    }

    @Test
    @Order(2)
    void aHubStoppedMidStepFinishesTheStepAfterARestart() {
        String id = create("restart");
        awaitState(id, "RUNNING");
        DockerCli.writeFile(id, "data.txt", "archived across a hub restart");
        act(id, "archive");
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(20))
                .until(() -> get("/api/v1/workspaces/" + id).get("state").asString(), "ARCHIVING"::equals);

        hub.close(); // the hub goes away while the archive job runs on the agent
        startHub();

        awaitState(id, "ARCHIVED");
        assertThat(DockerCli.hasVolume(id)).isFalse();
        act(id, "start"); // restore, then start
        awaitState(id, "RUNNING");
        assertThat(DockerCli.readFile(id, "data.txt")).isEqualTo("archived across a hub restart");
        delete(id);
    }

    @Test
    @Order(3)
    void aKilledAgentTurnsErrorAndRecoversWhenItIsBack() throws Exception {
        String id = create("agent-crash");
        awaitState(id, "RUNNING");

        agent.kill();
        act(id, "stop");
        JsonNode failed = awaitState(id, "ERROR");
        assertThat(failed.get("reason").asString()).contains(agentId);
        await().atMost(CONVERGE).until(() -> get("/api/v1/agents/" + agentId).get("status").asString(), "error"::equals);
        JsonNode down = get("/api/v1/agents/" + agentId);
        assertThat(down.get("lastError").asString()).contains("127.0.0.1");
        assertThat(down.get("consecutiveFailures").asInt()).isGreaterThanOrEqualTo(2);
        http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "nowhere", "image", "codehub/busybox:local", "region", "lab"))
                .exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.type").isEqualTo("urn:codehub:problem:no-eligible-agent");

        agent.start();
        await().atMost(CONVERGE).until(() -> get("/api/v1/agents/" + agentId).get("status").asString(), "active"::equals);
        assertThat(get("/api/v1/agents/" + agentId).has("lastError")).isFalse();

        act(id, "stop"); // the retry a user makes once the agent is back
        awaitState(id, "STOPPED");
        assertThat(DockerCli.hasContainer(id)).isFalse();
        delete(id);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static String create(String name) {
        Map<String, Object> body = new HashMap<>(HTTPD);
        body.put("name", name);
        body.put("region", "lab");
        String id = http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("id").asString();
        created.add(id);
        return id;
    }

    private static void act(String id, String action) {
        http.post().uri("/api/v1/workspaces/{id}/{action}", id, action).exchange().expectStatus().isAccepted();
    }

    private static void delete(String id) {
        http.delete().uri("/api/v1/workspaces/{id}", id).exchange().expectStatus().isAccepted();
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                http.get().uri("/api/v1/workspaces/{id}", id).exchange().expectStatus().isNotFound());
    }

    private static JsonNode get(String path) {
        return http.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }

    private static JsonNode awaitState(String id, String state) {
        return await().atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
                .until(() -> get("/api/v1/workspaces/" + id), w -> {
                    String now = w.get("state").asString();
                    if ("ERROR".equals(now) && !"ERROR".equals(state)) {
                        throw new AssertionError("workspace " + id + " went ERROR: " + w.get("reason"));
                    }
                    return state.equals(now);
                });
    }
}
