package io.codehub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.remote.AgentRuntimes;
import io.codehub.hub.support.InMemoryAgents;
import io.codehub.hub.support.InMemoryAgentsConfiguration;
import io.codehub.hub.support.TestHttp;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/**
 * The hub's API over real HTTP on the embedded database, with in-memory agents behind
 * RemoteRuntime's interface: admin authentication, hub identity, agents, workspaces and the
 * problem+json of every failure.
 */
@SpringBootTest(classes = {HubApplication.class, InMemoryAgentsConfiguration.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HubApiTest {

    static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    static final String BUSYBOX = "codehub/busybox:local";

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.hub.data-dir", () -> dataDir.toString());
        registry.add("codehub.admin.token", () -> ADMIN_TOKEN);
        // The refusals below are many from one address; the failed-admin budget has its own tests.
        registry.add("codehub.admin.failed-auth-burst", () -> "1000");
        registry.add("codehub.hub.api-keys.bcrypt-cost", () -> "4");
        registry.add("codehub.hub.reconciler.interval", () -> "200ms");
        registry.add("codehub.hub.reconciler.poll-interval", () -> "20ms");
        registry.add("codehub.hub.reconciler.retry-backoff", () -> "20ms");
        registry.add("codehub.hub.health.interval", () -> "1h");
    }

    @LocalServerPort
    int port;
    @Autowired
    InMemoryAgents memory;
    @Autowired
    AgentRuntimes runtimes;
    @Autowired
    AgentRegistry registry;

    WebTestClient http;

    @BeforeEach
    void client() {
        http = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
    }

    // ---- admin authentication and identity ------------------------------------------------------

    @Test
    void everyApiCallNeedsTheAdminToken() {
        WebTestClient anonymous = TestHttp.to("http://127.0.0.1:" + port).build();
        String[] refused = {null, "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer wrong-token-0123456789",
                "Bearer " + ADMIN_TOKEN + "x"};
        for (String path : List.of("/api/v1/agents", "/api/v1/workspaces", "/api/v1/hub")) {
            for (String authorization : refused) {
                WebTestClient.RequestHeadersSpec<?> request = anonymous.get().uri(path);
                if (authorization != null) {
                    request = request.header(HttpHeaders.AUTHORIZATION, authorization);
                }
                JsonNode problem = request.exchange().expectStatus().isUnauthorized()
                        .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                        .expectHeader().valueMatches(HttpHeaders.WWW_AUTHENTICATE, "Bearer.*")
                        .expectBody(JsonNode.class).returnResult().getResponseBody();
                assertThat(problem.get("type").asString()).isEqualTo("urn:codehub:problem:unauthorized");
                assertThat(problem.get("instance").asString()).isEqualTo(path);
            }
        }
        anonymous.get().uri("/.well-known/jwks.json").exchange().expectStatus().isOk();
        anonymous.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
        anonymous.get().uri("/v3/api-docs").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.paths['/api/v1/workspaces']").exists()
                .jsonPath("$.paths['/api/v1/agents/{id}/api-key/rotate']").exists();
    }

    @Test
    void publishesTheHubIdentity() {
        JsonNode hub = get("/api/v1/hub");
        JsonNode jwks = TestHttp.to("http://127.0.0.1:" + port).build()
                .get().uri("/.well-known/jwks.json").exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(jwks.get("keys").get(0).get("kid").asString()).isEqualTo(hub.get("hubId").asString());
        assertThat(jwks.get("keys").get(0).has("d")).isFalse();
        assertThat(hub.get("publicKeyPem").asString()).startsWith("-----BEGIN PUBLIC KEY-----");
        assertThat(hub.get("version").asString()).isNotBlank();
    }

    // ---- agents ---------------------------------------------------------------------------------

    @Test
    void registrationShowsTheKeyOnceAndNoResponseHoldsAHash() {
        JsonNode registered = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "edge-1", "endpoint", "http://127.0.0.1:18081", "type", "docker",
                        "capacity", 3, "region", "eu", "labels", Map.of("gpu", "true")))
                .exchange().expectStatus().isCreated()
                .expectHeader().valueMatches(HttpHeaders.LOCATION, "/api/v1/agents/[0-9a-f-]{36}")
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        String id = registered.get("agent").get("id").asString();
        String key = registered.get("apiKey").asString();
        assertThat(key).startsWith("chk_" + id + "_");
        // pending until it answers; the in-memory agents answer the first health check within a second
        assertThat(registered.get("agent").get("status").asString()).isEqualTo("pending");
        awaitActive(id);
        assertThat(get("/api/v1/agents/" + id).get("firstConnectedAt").asString()).isNotBlank();
        assertThat(registered.get("agent").get("currentLoad").asInt()).isZero();
        assertThat(registry.authenticate(key).block(Duration.ofSeconds(10))).isNotNull();

        String view = getText("/api/v1/agents/" + id);
        String list = getText("/api/v1/agents");
        for (String body : List.of(registered.toString(), view, list)) {
            assertThat(body).doesNotContain("$2a$").doesNotContainIgnoringCase("hash");
        }
        assertThat(view).doesNotContain(key).doesNotContain("apiKey");

        JsonNode rotated = http.post().uri("/api/v1/agents/{id}/api-key/rotate", id).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        String newKey = rotated.get("apiKey").asString();
        assertThat(newKey).startsWith("chk_" + id + "_").isNotEqualTo(key);
        assertThat(rotated.get("agent").get("previousKeyExpiresAt").asString()).isNotBlank();
        assertThat(rotated.toString()).doesNotContain("$2a$");
        assertThat(registry.authenticate(newKey).block(Duration.ofSeconds(10))).isNotNull();
        assertThat(registry.authenticate(key).block(Duration.ofSeconds(10))).as("previous key in its grace period")
                .isNotNull();
        assertThat(registry.authenticate("chk_" + id + "_" + "A".repeat(43)).blockOptional(Duration.ofSeconds(10)))
                .isEmpty();
    }

    @Test
    void invalidRegistrationsNameTheField() {
        assertProblem(post("/api/v1/agents", Map.of("endpoint", "http://h:1", "type", "docker", "capacity", 1)),
                400, "validation-failed", "name");
        assertProblem(post("/api/v1/agents", Map.of("name", "a", "endpoint", "ftp://h:1", "type", "docker",
                "capacity", 1)), 400, "validation-failed", "endpoint: 'ftp://h:1': scheme 'ftp' is not supported");
        assertProblem(post("/api/v1/agents", Map.of("name", "a", "endpoint", "http://h:1", "type", "docker",
                "capacity", -1)), 400, "validation-failed", "capacity");
        assertProblem(post("/api/v1/agents", Map.of("name", "a", "endpoint", "http://h:1", "type", "docker",
                "capacity", 1, "labels", Map.of("bad key!", "x"))), 400, "validation-failed", "labels");
        assertProblem(post("/api/v1/agents", Map.of("name", "a", "endpoint", "http://h:1", "type", "docker",
                "capacity", "many")), 400, "validation-failed", "capacity");
        http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON).bodyValue("{not json")
                .exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.type").isEqualTo("urn:codehub:problem:malformed-request");
    }

    @Test
    void listFiltersPatchAndDelete() {
        String eu = register("f-eu", 2, "eu-f", Map.of("gpu", "true"));
        String us = register("f-us", 2, "us-f", Map.of("gpu", "false"));
        assertThat(ids("/api/v1/agents?region=eu-f")).containsExactly(eu);
        assertThat(ids("/api/v1/agents?label=gpu=false")).contains(us).doesNotContain(eu);

        JsonNode patched = http.patch().uri("/api/v1/agents/{id}", us).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("status", "inactive", "capacity", 5, "labels", Map.of("gpu", "true"), "region", ""))
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(patched.get("status").asString()).isEqualTo("inactive");
        assertThat(patched.get("capacity").asInt()).isEqualTo(5);
        assertThat(patched.has("region")).isFalse();
        assertThat(patched.get("endpoint").asString()).isEqualTo("http://127.0.0.1:18081");
        assertThat(ids("/api/v1/agents?status=inactive&label=gpu=true")).contains(us).doesNotContain(eu);
        assertProblem(http.patch().uri("/api/v1/agents/{id}", us).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("status", "error")).exchange(), 400, "validation-failed", "status");
        assertProblem(http.patch().uri("/api/v1/agents/no-such-agent").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("capacity", 1)).exchange(), 404, "agent-not-found", "no-such-agent");
        assertProblem(http.get().uri("/api/v1/agents?status=sleeping").exchange(), 400, "validation-failed", "status");

        String workspace = createWorkspace(Map.of("name", "pinned", "image", BUSYBOX, "agentId", eu));
        assertProblem(http.delete().uri("/api/v1/agents/{id}", eu).exchange(), 409, "agent-has-workspaces", eu);
        http.delete().uri("/api/v1/agents/{id}", us).exchange().expectStatus().isNoContent();
        assertProblem(http.delete().uri("/api/v1/agents/{id}", us).exchange(), 404, "agent-not-found", us);
        awaitState(workspace, "RUNNING");
    }

    // ---- workspaces -----------------------------------------------------------------------------

    @Test
    void workspaceLifecycleThroughTheApi() {
        String agent = register("life", 4, "life-region", Map.of("tier", "gold"));
        JsonNode created = http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "dev", "image", BUSYBOX, "command", List.of("httpd", "-f"), "ports", List.of(3000),
                        "env", Map.of("SECRET", "s3cr3t"), "region", "life-region", "labels", Map.of("tier", "gold")))
                .exchange().expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        String id = created.get("id").asString();
        assertThat(created.get("agentId").asString()).isEqualTo(agent);
        assertThat(created.get("desiredState").asString()).isEqualTo("RUNNING");
        assertThat(created.get("port").asInt()).isEqualTo(8080);
        assertThat(created.get("ports").size()).isEqualTo(1);
        assertThat(created.get("ports").get(0).asInt()).isEqualTo(3000);
        assertThat(created.toString()).doesNotContain("s3cr3t");
        WorkspaceId workspaceId = WorkspaceId.of(id);

        awaitState(id, "RUNNING");
        assertThat(memory.of(agent).hasInstance(workspaceId)).isTrue();
        assertThat(memory.of(agent).instanceStatus(workspaceId).block(Duration.ofSeconds(5)).ports())
                .as("the ports reach the agent").containsExactly(3000);
        assertThat(get("/api/v1/agents/" + agent).get("currentLoad").asInt()).isEqualTo(1);
        assertThat(ids("/api/v1/workspaces?agentId=" + agent + "&state=running")).containsExactly(id);

        assertProblem(post("/api/v1/workspaces/" + id + "/restore", Map.of()), 409, "invalid-transition", "not archived");

        act(id, "stop").expectStatus().isAccepted();
        awaitState(id, "STOPPED");
        assertThat(memory.of(agent).hasInstance(workspaceId)).isFalse();
        assertThat(memory.of(agent).hasVolume(workspaceId)).isTrue();

        act(id, "archive").expectStatus().isAccepted();
        awaitState(id, "ARCHIVED");
        assertThat(memory.of(agent).hasVolume(workspaceId)).isFalse();
        assertThat(get("/api/v1/workspaces/" + id).get("archiveKey").asString()).startsWith(id + "-");

        act(id, "restore").expectStatus().isAccepted();
        awaitState(id, "STOPPED");
        assertThat(memory.of(agent).hasVolume(workspaceId)).isTrue();

        act(id, "start").expectStatus().isAccepted();
        awaitState(id, "RUNNING");

        http.delete().uri("/api/v1/workspaces/{id}", id).exchange().expectStatus().isAccepted()
                .expectBody().jsonPath("$.desiredState").isEqualTo("DELETED");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                http.get().uri("/api/v1/workspaces/{id}", id).exchange().expectStatus().isNotFound()
                        .expectBody().jsonPath("$.type").isEqualTo("urn:codehub:problem:workspace-not-found"));
        assertThat(memory.of(agent).hasInstance(workspaceId)).isFalse();
        assertThat(memory.of(agent).hasVolume(workspaceId)).isFalse();
        assertThat(get("/api/v1/agents/" + agent).get("currentLoad").asInt()).isZero();
        assertProblem(act(id, "start"), 404, "workspace-not-found", id);
    }

    @Test
    void placementRefusalsSayWhy() {
        register("full", 0, "nowhere", Map.of());
        assertProblem(post("/api/v1/workspaces", Map.of("name", "x", "image", BUSYBOX, "region", "nowhere")),
                409, "no-eligible-agent", "full");
        assertProblem(post("/api/v1/workspaces", Map.of("name", "x", "image", BUSYBOX, "region", "atlantis")),
                409, "no-eligible-agent", "region atlantis");
        assertProblem(post("/api/v1/workspaces", Map.of("name", "x", "image", BUSYBOX, "agentId", "no-such-agent")),
                404, "agent-not-found", "no-such-agent");
        assertProblem(post("/api/v1/workspaces", Map.of("name", "x", "image", BUSYBOX, "port", 70000)),
                400, "invalid-spec", "port");
        assertProblem(post("/api/v1/workspaces", Map.of("name", "x", "image", BUSYBOX, "ports", List.of(3000, 3000))),
                400, "invalid-spec", "ports: 3000 appears twice");
        assertProblem(post("/api/v1/workspaces", Map.of("image", BUSYBOX)), 400, "validation-failed", "name");
    }

    @Test
    void placementByBackendTypeAndLabels() {
        String docker = register("t-docker", "docker", 2, "by-type", Map.of("site", "t-a"));
        String kubernetes = register("t-k8s", "kubernetes", 2, "by-type", Map.of("site", "t-b"));
        assertThat(get("/api/v1/agents/" + kubernetes).get("type").asString()).isEqualTo("kubernetes");

        String onKubernetes = createWorkspace(Map.of("name", "k", "image", BUSYBOX, "region", "by-type",
                "type", "kubernetes"));
        String onDocker = createWorkspace(Map.of("name", "d", "image", BUSYBOX, "region", "by-type",
                "labels", Map.of("site", "t-a")));
        assertThat(get("/api/v1/workspaces/" + onKubernetes).get("agentId").asString()).isEqualTo(kubernetes);
        assertThat(get("/api/v1/workspaces/" + onDocker).get("agentId").asString()).isEqualTo(docker);
        assertProblem(post("/api/v1/workspaces", Map.of("name", "x", "image", BUSYBOX, "region", "by-type",
                "type", "docker", "labels", Map.of("site", "t-b"))), 409, "no-eligible-agent",
                "in region by-type of type docker with labels {site=t-b}");
        assertProblem(post("/api/v1/workspaces", Map.of("name", "x", "image", BUSYBOX, "type", "podman")),
                409, "no-eligible-agent", "of type podman");
        awaitState(onKubernetes, "RUNNING");
        awaitState(onDocker, "RUNNING");
    }

    @Test
    void fiftyConcurrentCreatesOnCapacityTenPlaceExactlyTen() {
        String agent = register("crowded", 10, "crowded-region", Map.of());
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port)
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
        List<Integer> statuses = Flux.range(0, 50)
                .flatMap(i -> client.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("name", "c" + i, "image", BUSYBOX, "region", "crowded-region"))
                        .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value())), 50)
                .collectList().block(Duration.ofSeconds(60));
        assertThat(statuses).hasSize(50);
        assertThat(statuses).filteredOn(status -> status == 201).hasSize(10);
        assertThat(statuses).filteredOn(status -> status == 409).hasSize(40);
        assertThat(get("/api/v1/agents/" + agent).get("currentLoad").asInt()).isEqualTo(10);
        assertThat(ids("/api/v1/workspaces?agentId=" + agent)).hasSize(10);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private String register(String name, int capacity, String region, Map<String, String> labels) {
        return register(name, "docker", capacity, region, labels);
    }

    /** Registers an agent and waits until it answered its first health check (it is pending until then). */
    private String register(String name, String type, int capacity, String region, Map<String, String> labels) {
        String id = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", name, "endpoint", "http://127.0.0.1:18081", "type", type,
                        "capacity", capacity, "region", region, "labels", labels))
                .exchange().expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("agent").get("id").asString();
        awaitActive(id);
        return id;
    }

    private void awaitActive(String id) {
        await().atMost(Duration.ofSeconds(30)).until(() -> "active".equals(get("/api/v1/agents/" + id).get("status")
                .asString()));
    }

    private String createWorkspace(Map<String, Object> body) {
        return http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("id").asString();
    }

    private WebTestClient.ResponseSpec post(String path, Object body) {
        return http.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private WebTestClient.ResponseSpec act(String id, String action) {
        return http.post().uri("/api/v1/workspaces/{id}/{action}", id, action).exchange();
    }

    private JsonNode get(String path) {
        return http.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }

    private String getText(String path) {
        return http.get().uri(path).exchange().expectStatus().isOk().expectBody(String.class).returnResult()
                .getResponseBody();
    }

    private List<String> ids(String path) {
        return get(path).get("items").findValuesAsString("id");
    }

    private void awaitState(String id, String state) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(get("/api/v1/workspaces/" + id).get("state").asString()).isEqualTo(state));
    }

    private static void assertProblem(WebTestClient.ResponseSpec response, int status, String slug, String detail) {
        JsonNode problem = response.expectStatus().isEqualTo(HttpStatus.valueOf(status))
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(problem.get("type").asString()).isEqualTo("urn:codehub:problem:" + slug);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("detail").asString()).contains(detail);
    }
}
