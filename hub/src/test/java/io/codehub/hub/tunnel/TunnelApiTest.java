package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.codehub.hub.HubApplication;
import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.health.AgentHealthChecker;
import io.codehub.hub.support.FakeTunnelAgent;
import io.codehub.hub.support.FakeTunnelAgent.Response;
import io.codehub.hub.support.TestHttp;
import io.codehub.tunnel.spring.AgentTunnels;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The hub with its real tunnel port (127.0.0.1, free port) and RemoteRuntime: an agent registered
 * as {@code tunnel://} dials in with its key, shows as connected, serves a workspace through the
 * tunnel, passes health checks over it, and reconnects with its ticket without another bcrypt.
 */
@SpringBootTest(classes = HubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TunnelApiTest {

    static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final Pattern INSTANCE = Pattern.compile("/instances/([^/?]+)(/start|/status)?");
    static final Pattern VOLUME = Pattern.compile("/volumes/([^/?]+)(/exists)?");

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.hub.data-dir", () -> dataDir.toString());
        registry.add("codehub.admin.token", () -> ADMIN_TOKEN);
        registry.add("codehub.hub.api-keys.bcrypt-cost", () -> "4");
        registry.add("codehub.hub.reconciler.interval", () -> "200ms");
        registry.add("codehub.hub.reconciler.poll-interval", () -> "20ms");
        registry.add("codehub.hub.reconciler.retry-backoff", () -> "20ms");
        registry.add("codehub.hub.health.interval", () -> "1h");
        // refused handshakes of one test must not rate-limit the next one's (all come from 127.0.0.1)
        registry.add("codehub.hub.tunnel.failed-auth-burst", () -> "1000");
    }

    @LocalServerPort
    int port;
    @Autowired
    TunnelPort tunnelPort;
    @Autowired
    AgentTunnels tunnels;
    @Autowired
    AgentTunnelAuthenticator authenticator;
    @Autowired
    AgentRegistry registry;
    @Autowired
    AgentHealthChecker health;
    @Autowired
    MeterRegistry meters;

    WebTestClient http;
    final Set<String> volumes = ConcurrentHashMap.newKeySet();
    final Set<String> instances = ConcurrentHashMap.newKeySet();
    final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void client() {
        http = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(WAIT)
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
    }

    @Test
    void aTunnelledAgentIsReachedThroughItsSession() throws Exception {
        JsonNode registered = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "behind-nat", "endpoint", "tunnel://", "type", "docker", "capacity", 4))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String id = registered.get("agent").get("id").asString();
        String key = registered.get("apiKey").asString();
        assertThat(registered.get("agent").get("endpoint").asString()).isEqualTo("tunnel://" + id);
        assertThat(agentView(id).get("connection").get("state").asString()).isEqualTo("disconnected");
        // never answered: pending, and placement never picks it
        assertThat(agentView(id).get("status").asString()).isEqualTo("pending");
        http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "too-early", "image", "codehub/busybox:local", "agentId", id))
                .exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.type").isEqualTo("urn:codehub:problem:no-eligible-agent")
                .jsonPath("$.detail").value(detail -> assertThat(detail.toString()).contains("pending"));

        Agent unhealthy = health.check(registry.get(id).block(WAIT)).block(WAIT);
        assertThat(unhealthy.consecutiveFailures()).isPositive();
        assertThat(unhealthy.lastError()).contains("agent " + id + " is not connected to this hub's tunnel");

        long keyChecks = authenticator.keyChecks();
        InetSocketAddress tunnel = tunnelPort.localAddress();
        assertThat(tunnel.getAddress().isLoopbackAddress()).isTrue();
        try (FakeTunnelAgent agent = FakeTunnelAgent.start(tunnel, key, this::agentApi)) {
            await().atMost(WAIT).until(() -> "connected".equals(agentView(id).get("connection").get("state").asString()));
            // its session makes it active, and its connection history starts
            await().atMost(WAIT).until(() -> "active".equals(agentView(id).get("status").asString()));
            assertThat(agentView(id).get("firstConnectedAt").asString()).isNotBlank();
            JsonNode connection = agentView(id).get("connection");
            assertThat(connection.get("remoteAddress").asString()).startsWith("127.0.0.1:");
            assertThat(connection.get("since").asString()).isNotBlank();
            assertThat(authenticator.keyChecks()).isEqualTo(keyChecks + 1);

            Agent healthy = health.check(registry.get(id).block(WAIT)).block(WAIT);
            assertThat(healthy.consecutiveFailures()).isZero();
            assertThat(healthy.agentVersion()).isEqualTo("fake-agent/1");

            JsonNode created = http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("name", "dev", "image", "codehub/busybox:local", "agentId", id))
                    .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
            String workspace = created.get("id").asString();
            await().atMost(WAIT).until(() -> "RUNNING".equals(workspaceView(workspace).get("state").asString()));
            assertThat(calls).anyMatch(c -> c.startsWith("POST /volumes/"))
                    .anyMatch(c -> c.startsWith("POST /instances/") && c.endsWith("/start"));

            // the hub drops the session; the agent comes back with its ticket: no second bcrypt
            tunnels.session(id).orElseThrow().close("closed");
            await().atMost(WAIT).until(() -> agent.sessionsOpened() >= 2 && tunnels.session(id).isPresent());
            assertThat(authenticator.keyChecks()).as("bcrypt at most once per agent per hub start")
                    .isEqualTo(keyChecks + 1);
            assertThat(agentView(id).get("connection").get("state").asString()).isEqualTo("connected");
            assertThat(meters.get("codehub.tunnel.key.checks").functionCounter().count())
                    .isEqualTo((double) authenticator.keyChecks());
        }
        await().atMost(WAIT).until(() -> "disconnected".equals(agentView(id).get("connection").get("state").asString()));
        // the history: connected, closed by the hub, connected again, closed by the agent
        await().atMost(WAIT).until(() -> "closed-by-agent".equals(agentView(id).path("lastDisconnectReason").asString("")));
        assertThat(agentView(id).get("lastDisconnectedAt").asString()).isNotBlank();
        JsonNode history = http.get().uri("/api/v1/events?agentId={id}&type=agent.connected&type=agent.disconnected", id)
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
        List<String> seen = new ArrayList<>();
        history.get("items").forEach(event -> seen.add(0, event.get("type").asString() + "/"
                + (event.get("reason").isNull() ? "" : event.get("reason").asString())));
        assertThat(seen).containsExactly("agent.connected/", "agent.disconnected/closed-by-hub", "agent.connected/",
                "agent.disconnected/closed-by-agent");
    }

    @Test
    void anAgentRegisteredForDirectCallsIsRefusedAndHasNoConnection() throws Exception {
        JsonNode registered = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "direct", "endpoint", "http://127.0.0.1:9", "type", "docker", "capacity", 1))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String id = registered.get("agent").get("id").asString();
        assertThat(agentView(id).has("connection")).isFalse();

        try (FakeTunnelAgent agent = FakeTunnelAgent.start(tunnelPort.localAddress(),
                registered.get("apiKey").asString(), this::agentApi)) {
            await().atMost(WAIT).until(() -> agent.lastFailure() != null);
            assertThat(agent.lastFailure()).hasMessageContaining("403");
            assertThat(tunnels.session(id)).isEmpty();
        }
    }

    @Test
    void aRefusedKeyOfARegisteredAgentIsInItsHistoryOnceAMinute() throws Exception {
        JsonNode registered = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "rotated-away", "endpoint", "tunnel://", "type", "docker", "capacity", 1))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String id = registered.get("agent").get("id").asString();
        String key = registered.get("apiKey").asString();
        String wrongKey = key.substring(0, key.length() - 43) + "A".repeat(43);

        try (FakeTunnelAgent agent = FakeTunnelAgent.start(tunnelPort.localAddress(), wrongKey, this::agentApi)) {
            await().atMost(WAIT).until(() -> agent.failures() >= 3);
            assertThat(agent.lastFailure()).hasMessageContaining("401");
        }
        await().atMost(WAIT).until(() -> "auth-failed".equals(agentView(id).path("lastDisconnectReason").asString("")));
        await().atMost(WAIT).until(() -> authFailures(id).size() == 1);
        JsonNode event = authFailures(id).get(0);
        assertThat(event.get("reason").asString()).contains("wrong API key").doesNotContain(wrongKey);
        assertThat(event.get("detail").get("status").asString()).isEqualTo("401");
        assertThat(event.get("detail").get("connected").asString()).isEqualTo("false");
        // a key naming no registered agent leaves no event anywhere
        String stranger = "chk_no-such-agent_" + "B".repeat(43);
        FakeTunnelAgent unknown = FakeTunnelAgent.start(tunnelPort.localAddress(), stranger, this::agentApi);
        try (unknown) {
            await().atMost(WAIT).until(() -> unknown.lastFailure() != null);
        }
        assertThat(authFailures("no-such-agent")).isEmpty();
        assertThat(authFailures(id)).as("one report a minute per agent").hasSize(1);
    }

    @Test
    void agentsConnectingAtOnceAreAllRecordedAndEachMadeActiveOnce() throws Exception {
        // Sessions that open while others are being written are written together (ConnectionWrites).
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 16; i++) {
            JsonNode registered = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("name", "crowd-" + i, "endpoint", "tunnel://", "type", "docker", "capacity", 1))
                    .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
            keys.put(registered.get("agent").get("id").asString(), registered.get("apiKey").asString());
        }
        List<FakeTunnelAgent> crowd = new ArrayList<>();
        try {
            for (String key : keys.values()) {
                crowd.add(FakeTunnelAgent.start(tunnelPort.localAddress(), key, this::agentApi));
            }
            for (String id : keys.keySet()) {
                await().atMost(WAIT).until(() -> "active".equals(agentView(id).get("status").asString())
                        && agentView(id).hasNonNull("lastConnectedAt"));
                assertThat(agentView(id).get("firstConnectedAt").asString()).isNotBlank();
                assertThat(agentView(id).get("agentVersion").asString()).as("from its handshake").isEqualTo("fake/1");
            }
            for (String id : keys.keySet()) {
                JsonNode changes = http.get().uri("/api/v1/events?agentId={id}&type=agent.health-changed", id)
                        .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
                assertThat(changes.get("items")).as("pending -> active of " + id).hasSize(1);
                assertThat(changes.get("items").get(0).get("detail").get("via").asString()).isEqualTo("tunnel-session");
            }
        } finally {
            for (FakeTunnelAgent agent : crowd) {
                agent.close();
            }
        }
    }

    private List<JsonNode> authFailures(String agentId) {
        JsonNode page = http.get().uri("/api/v1/events?agentId={id}&type=agent.auth-failed", agentId)
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
        List<JsonNode> items = new ArrayList<>();
        page.get("items").forEach(items::add);
        return items;
    }

    /** Just enough of the Agent API for the reconciler to create and start a workspace. */
    private Response agentApi(FakeTunnelAgent.Request request) {
        String path = request.path();
        calls.add(request.method() + " " + path);
        if (path.equals("/health")) {
            return Response.json(200, "{\"status\":\"UP\",\"runtime\":\"fake\",\"version\":\"fake-agent/1\"}");
        }
        Matcher instance = INSTANCE.matcher(path);
        if (instance.matches()) {
            String ws = instance.group(1);
            if ("/start".equals(instance.group(2))) {
                instances.add(ws);
            } else if (request.method().equals("DELETE")) {
                instances.remove(ws);
                return new Response(204, Map.of(), new byte[0], -1);
            }
            return Response.json(200, "{\"workspaceId\":\"" + ws + "\",\"state\":\""
                    + (instances.contains(ws) ? "running" : "missing") + "\"}");
        }
        Matcher volume = VOLUME.matcher(path);
        if (volume.matches()) {
            String ws = volume.group(1);
            if ("/exists".equals(volume.group(2))) {
                return Response.json(200, "{\"exists\":" + volumes.contains(ws) + "}");
            }
            if (request.method().equals("POST")) {
                volumes.add(ws);
                return Response.json(201, "{\"workspaceId\":\"" + ws + "\",\"name\":\"codehub-" + ws + "\"}");
            }
            volumes.remove(ws);
            return new Response(204, Map.of(), new byte[0], -1);
        }
        return Response.json(404, "{\"type\":\"urn:codehub:problem:not-found\",\"status\":404,\"detail\":\"" + path + "\"}");
    }

    private JsonNode agentView(String id) {
        return http.get().uri("/api/v1/agents/{id}", id).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private JsonNode workspaceView(String id) {
        return http.get().uri("/api/v1/workspaces/{id}", id).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }
}
