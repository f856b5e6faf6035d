package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.remote.AgentRuntimes;
import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHttp;
import io.codehub.hub.support.TestHub;
import io.codehub.runtime.Runtime;
import io.codehub.tunnel.TunnelSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/hub/drain} on a real hub with a real agent process behind the tunnel: the hub
 * answers 202, its readiness turns 503 (liveness stays up), {@code GET /api/v1/hub} says draining, a
 * new tunnel handshake gets 503 with a short Retry-After, and the agent, asked to reconnect
 * elsewhere, keeps serving the hub's calls on its old session while the only hub there is keeps
 * refusing it. Without the admin token the endpoint answers 401 problem+json.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HubDrainIT {

    private static final String ADMIN_TOKEN = "drain-admin-token-0123456789abcdef";
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient api;
    private static WebTestClient anonymous;
    private static AgentProcess agent;

    @BeforeAll
    static void startHub() {
        try {
            dir = Files.createTempDirectory("drain-it");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // A move grace far beyond the test: the agent cannot move (one hub), so the session stays.
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "codehub.hub.tunnel.move-grace", "120s",
                "codehub.hub.health.interval", "1h", "codehub.hub.gateway.enabled", "false");
        api = TestHub.adminClient(hub, ADMIN_TOKEN);
        anonymous = TestHttp.to(TestHub.baseUrl(hub)).responseTimeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (agent != null) {
                agent.close(); // its session ends, so the drain ends and the hub stops by itself
            }
        } finally {
            if (hub != null) {
                hub.close();
            }
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    void theHubDrainsWhileItsAgentKeepsServingOnItsOldSession() throws Exception {
        JsonNode registered = api.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "drained", "endpoint", "tunnel://", "type", "docker", "capacity", 2))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String id = registered.get("agent").get("id").asString();
        TunnelPort port = hub.getBean(TunnelPort.class);
        int tunnelPort = port.localAddress().getPort();
        agent = AgentProcess.start(id, AgentProcess.freePort(), get("/api/v1/hub").get("publicKeyPem").asString(),
                dir.resolve("agent"), Map.of("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnelPort,
                        "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString()));
        LiveTunnels tunnels = hub.getBean(LiveTunnels.class);
        TunnelSession session = await().atMost(CONVERGE).until(() -> tunnels.session(id).orElse(null), s -> s != null);
        URI endpoint = hub.getBean(AgentRegistry.class).get(id).block(CONVERGE).endpoint();
        Runtime runtime = hub.getBean(AgentRuntimes.class).runtime(id, endpoint);
        assertThat(runtime.health().block(CONVERGE)).isNotNull();
        assertThat(get("/api/v1/hub").get("draining").asBoolean()).isFalse();
        readiness(HttpStatus.OK);

        anonymous.post().uri("/api/v1/hub/drain").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(port.draining()).as("an unauthenticated drain drains nothing").isFalse();

        JsonNode drain = api.post().uri("/api/v1/hub/drain").exchange()
                .expectStatus().isAccepted().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(drain.get("draining").asBoolean()).isTrue();
        assertThat(drain.get("sessions").asInt()).isEqualTo(1);
        assertThat(drain.get("moveGraceSeconds").asLong()).isEqualTo(120);

        readiness(HttpStatus.SERVICE_UNAVAILABLE);
        anonymous.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
        assertThat(get("/api/v1/hub").get("draining").asBoolean()).isTrue();
        String refusal = handshake(tunnelPort);
        assertThat(refusal).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After: 1\r\n")
                .contains("urn:codehub:problem:tunnel-unavailable");
        // a second drain changes nothing
        api.post().uri("/api/v1/hub/drain").exchange().expectStatus().isAccepted();

        Path agentLog = dir.resolve("agent").resolve("agent.log");
        await().atMost(CONVERGE).until(() -> Files.readString(agentLog).contains("asked to reconnect elsewhere"));
        // The agent tries to move, is refused (one hub, draining), and serves on where it is.
        await().atMost(CONVERGE).until(() -> Files.readString(agentLog).contains("hub is draining"));
        for (int i = 0; i < 5; i++) {
            assertThat(runtime.health().block(CONVERGE)).as("call %d on the old session", i).isNotNull();
        }
        assertThat(tunnels.session(id)).as("still the first session").get().isSameAs(session);
        assertThat(session.closeFuture()).isNotDone();
        assertThat(port.draining()).isTrue();
    }

    private static void readiness(HttpStatus expected) {
        anonymous.get().uri("/actuator/health/readiness").exchange().expectStatus().isEqualTo(expected);
    }

    private static JsonNode get(String path) {
        return api.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }

    /** A tunnel upgrade request on a raw socket; returns the hub's whole answer. */
    private static String handshake(int tunnelPort) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), tunnelPort)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/tunnel HTTP/1.1\r\nHost: 127.0.0.1:" + tunnelPort + "\r\nConnection: Upgrade\r\n"
                    + "Upgrade: codehub-tunnel/1\r\nCodehub-Agent-Version: test\r\n"
                    + "Authorization: Bearer chk_nobody_secret\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            int n;
            while (answer.size() < 64 * 1024 && (n = in.read(buffer)) >= 0) {
                answer.write(buffer, 0, n);
            }
            return answer.toString(StandardCharsets.US_ASCII);
        }
    }
}
