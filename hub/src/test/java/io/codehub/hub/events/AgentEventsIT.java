package io.codehub.hub.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpServer;
import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.EventStreamClient;
import io.codehub.hub.support.EventStreamClient.Frame;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHub;
import io.codehub.hub.tunnel.TunnelPort;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real hub and a real agent process behind the tunnel: the agent is pending until it connects,
 * reports its facts, is killed (SIGKILL) and comes back. The history holds connected,
 * disconnected ({@code closed-by-agent}), connected, in that order; the stream delivers them live,
 * and a stream resumed with {@code Last-Event-ID} delivers exactly what the history holds after it.
 * A webhook receiver on loopback gets the same comings and goings, signed, in order.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AgentEventsIT {

    private static final String ADMIN_TOKEN = "events-admin-token-0123456789abcdef";
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final String CONNECTIONS = "&type=agent.connected&type=agent.disconnected";

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient api;
    private static String base;
    private static AgentProcess agent;
    private static HttpServer webhookReceiver;
    private static final List<JsonNode> delivered = new CopyOnWriteArrayList<>();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String WEBHOOK_SECRET = "events-it-webhook-secret-0123456789abcdef";

    @BeforeAll
    static void startHub() throws Exception {
        dir = Files.createTempDirectory("events-it");
        webhookReceiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        webhookReceiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String signature = exchange.getRequestHeaders().getFirst("Codehub-Signature");
            if (signature != null && signedWithTheSecret(signature, body)) {
                delivered.add(JSON.readTree(body));
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhookReceiver.start();
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN,
                "codehub.hub.webhooks.urls", "http://127.0.0.1:" + webhookReceiver.getAddress().getPort() + "/hook",
                "codehub.hub.webhooks.secret", WEBHOOK_SECRET, "codehub.hub.health.interval", "2s",
                "codehub.hub.gateway.enabled", "false");
        base = TestHub.baseUrl(hub);
        api = TestHub.adminClient(hub, ADMIN_TOKEN);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (agent != null) {
                agent.close();
            }
        } finally {
            if (hub != null) {
                hub.close();
            }
            if (webhookReceiver != null) {
                webhookReceiver.stop(0);
            }
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    void aKilledAgentLeavesConnectedDisconnectedConnectedAndTheStreamResumes() throws Exception {
        JsonNode registered = api.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "killed", "endpoint", "tunnel://", "type", "docker", "capacity", 2))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String id = registered.get("agent").get("id").asString();
        assertThat(get("/api/v1/agents/" + id).get("status").asString()).isEqualTo("pending");
        String stream = base + "/api/v1/events/stream?agentId=" + id + CONNECTIONS;

        long lastSeen;
        int tunnelPort = hub.getBean(TunnelPort.class).localAddress().getPort();
        String publicKeyPem = get("/api/v1/hub").get("publicKeyPem").asString();
        try (EventStreamClient live = EventStreamClient.open(stream, ADMIN_TOKEN, "0")) {
            agent = AgentProcess.start(id, AgentProcess.freePort(), publicKeyPem, dir.resolve("agent"),
                    Map.of("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnelPort,
                            "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString()));
            Frame connected = live.next(CONVERGE);
            assertThat(connected.event()).isEqualTo("agent.connected");
            assertThat(connected.data().get("agentId").asString()).isEqualTo(id);
            assertThat(connected.data().get("detail").get("remoteAddress").asString()).startsWith("127.0.0.1:");

            // active, with what it reported about itself (handshake headers and /health)
            await().atMost(CONVERGE).until(() -> get("/api/v1/agents/" + id).path("backendVersion").asString("")
                    .startsWith("Docker Engine"));
            JsonNode view = get("/api/v1/agents/" + id);
            assertThat(view.get("status").asString()).isEqualTo("active");
            assertThat(view.get("os").asString()).isEqualTo("linux");
            assertThat(view.get("arch").asString()).isEqualTo(System.getProperty("os.arch"));
            assertThat(view.get("runtime").asString()).isEqualTo("docker");
            assertThat(view.get("firstConnectedAt").asString()).isEqualTo(view.get("lastConnectedAt").asString());

            agent.kill();
            Frame disconnected = live.next(CONVERGE);
            assertThat(disconnected.event()).isEqualTo("agent.disconnected");
            assertThat(disconnected.data().get("reason").asString()).isEqualTo("closed-by-agent");
            assertThat(disconnected.id()).isGreaterThan(connected.id());
            lastSeen = disconnected.id();
        }
        await().atMost(CONVERGE).until(() -> "closed-by-agent".equals(get("/api/v1/agents/" + id)
                .path("lastDisconnectReason").asString("")));

        agent.start(); // the same agent comes back while nobody watches
        await().atMost(CONVERGE).until(() -> "connected".equals(get("/api/v1/agents/" + id).path("connection")
                .path("state").asString("")));
        List<String> history = new ArrayList<>();
        get("/api/v1/events?agentId=" + id + CONNECTIONS).get("items").forEach(event -> history.add(0,
                event.get("type").asString() + (event.get("reason").isNull() ? "" : "/" + event.get("reason").asString())));
        assertThat(history).containsExactly("agent.connected", "agent.disconnected/closed-by-agent", "agent.connected");

        try (EventStreamClient resumed = EventStreamClient.open(stream, ADMIN_TOKEN, Long.toString(lastSeen))) {
            Frame back = resumed.next(CONVERGE);
            assertThat(back.event()).isEqualTo("agent.connected");
            long newest = get("/api/v1/events?agentId=" + id + CONNECTIONS + "&limit=1").get("items").get(0).get("id")
                    .asLong();
            assertThat(back.id()).as("the first event after the cursor, and the only one").isEqualTo(newest);
            assertThat(resumed.poll(Duration.ofSeconds(1))).isNull();

            agent.kill(); // and live again after the replay
            Frame again = resumed.next(CONVERGE);
            assertThat(again.event()).isEqualTo("agent.disconnected");
            assertThat(again.id()).isGreaterThan(back.id());
        }
        // the webhook got the agent's comings and goings, signed, in order (health-changed pending->active too)
        await().atMost(CONVERGE).until(() -> webhookHistory(id).size() >= 4);
        assertThat(webhookHistory(id)).containsExactly("agent.connected", "agent.disconnected/closed-by-agent",
                "agent.connected", "agent.disconnected/closed-by-agent");
        assertThat(delivered).anySatisfy(event -> {
            assertThat(event.get("type").asString()).isEqualTo("agent.health-changed");
            assertThat(event.get("agentId").asString()).isEqualTo(id);
        });
        JsonNode all = get("/api/v1/events?agentId=" + id);
        assertThat(all.get("items")).extracting(event -> event.get("type").asString())
                .contains("agent.registered", "agent.health-changed");
        assertThat(all.get("items")).anySatisfy(event -> {
            assertThat(event.get("type").asString()).isEqualTo("agent.health-changed");
            assertThat(event.get("detail").get("from").asString()).isEqualTo("pending");
            assertThat(event.get("detail").get("to").asString()).isEqualTo("active");
        });
    }

    /** The receiver's check, with its own HMAC code: {@code t=<s>,v1=<hex of HMAC-SHA256 over "<s>.<body>">}. */
    private static boolean signedWithTheSecret(String header, byte[] body) {
        try {
            String t = header.replaceAll(".*t=([0-9]+).*", "$1");
            String v1 = header.replaceAll(".*v1=([0-9a-f]+).*", "$1");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return MessageDigest.isEqual(HexFormat.of().formatHex(mac.doFinal(body)).getBytes(StandardCharsets.US_ASCII),
                    v1.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> webhookHistory(String agentId) {
        return delivered.stream()
                .filter(event -> agentId.equals(event.get("agentId").asString())
                        && event.get("type").asString().matches("agent\\.(connected|disconnected)"))
                .map(event -> event.get("type").asString()
                        + (event.get("reason").isNull() ? "" : "/" + event.get("reason").asString()))
                .toList();
    }

    private static JsonNode get(String path) {
        return api.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }
}
