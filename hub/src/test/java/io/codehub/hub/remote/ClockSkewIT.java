package io.codehub.hub.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import io.codehub.hub.identity.HubIdentity;
import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.PrometheusText;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHub;
import io.codehub.hub.tunnel.TunnelPort;
import io.codehub.runtime.Health;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * A real hub whose clock is 5 minutes ahead of, then (a second hub) 5 minutes behind its agents'
 * (this machine's), and two real agent processes with the default 30 s of clock skew: one behind
 * the tunnel, one the hub calls directly. Both become active, answer their health check and an
 * instance call through the hub's Agent API client, and the agents API shows each one's clock
 * offset, about ∓300,000 ms; the skew gauge counts both. With the hub ahead, a token minted in the
 * hub's own time (what the hub sent before it measured offsets) is refused by the real agent.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClockSkewIT {

    private static final String ADMIN_TOKEN = "clock-skew-admin-token-0123456789abcdef";
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final long TOLERANCE_MILLIS = 3_000;

    /** The hub's clock: this machine's shifted by {@code codehub.test.clock-shift}. */
    @TestConfiguration(proxyBeanMethods = false)
    static class ShiftedClock {

        @Bean
        @Primary
        Clock shiftedClock(Environment environment) {
            Duration shift = Duration.parse(environment.getRequiredProperty("codehub.test.clock-shift"));
            return Clock.offset(Clock.systemUTC(), shift);
        }
    }

    @ParameterizedTest(name = "hub clock {0} off its agents'")
    @ValueSource(strings = {"PT5M", "PT-5M"})
    void tokensWorkAndTheOffsetIsShownWhateverTheHubsClockSays(String shiftText) throws Exception {
        Duration shift = Duration.parse(shiftText);
        long expectedOffset = -shift.toMillis(); // the agent's clock minus the hub's
        Path dir = Files.createTempDirectory("clock-skew-it");
        ConfigurableApplicationContext hub = null;
        AgentProcess tunnelled = null;
        AgentProcess direct = null;
        try {
            hub = TestHub.start(new Class<?>[] {ShiftedClock.class}, dir.resolve("hub"), ADMIN_TOKEN,
                    "codehub.test.clock-shift", shiftText, "codehub.hub.health.interval", "1s",
                    "codehub.hub.gateway.enabled", "false");
            Clock hubClock = hub.getBean(Clock.class);
            assertThat(Duration.between(Clock.systemUTC().instant(), hubClock.instant()).minus(shift).abs())
                    .isLessThan(Duration.ofSeconds(1));
            WebTestClient api = TestHub.adminClient(hub, ADMIN_TOKEN);
            String publicKeyPem = get(api, "/api/v1/hub").get("publicKeyPem").asString();
            int tunnelPort = hub.getBean(TunnelPort.class).localAddress().getPort();
            int directPort = AgentProcess.freePort();

            JsonNode behindTunnel = register(api, "tunnelled", "tunnel://");
            JsonNode called = register(api, "direct", "http://127.0.0.1:" + directPort);
            String tunnelId = behindTunnel.get("agent").get("id").asString();
            String directId = called.get("agent").get("id").asString();
            Path tunnelDir = dir.resolve("tunnelled");
            Path directDir = dir.resolve("direct");
            Map<String, String> dialOut = Map.of("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnelPort,
                    "CODEHUB_AGENT_API_KEY", behindTunnel.get("apiKey").asString());
            CompletableFuture<AgentProcess> startingTunnelled = CompletableFuture.supplyAsync(() -> start(() ->
                    onAFreePort(AgentProcess.freePort(), tunnelDir,
                            (port, in) -> AgentProcess.start(tunnelId, port, publicKeyPem, in, dialOut), port -> { })));
            CompletableFuture<AgentProcess> startingDirect = CompletableFuture.supplyAsync(() -> start(() ->
                    onAFreePort(directPort, directDir,
                            (port, in) -> AgentProcess.start(directId, port, publicKeyPem, in),
                            port -> api.patch().uri("/api/v1/agents/" + directId)
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(Map.of("endpoint", "http://127.0.0.1:" + port)).exchange()
                                    .expectStatus().isOk())));
            try {
                tunnelled = startingTunnelled.get(3, TimeUnit.MINUTES);
            } finally {
                direct = startingDirect.get(3, TimeUnit.MINUTES);
            }

            if (!shift.isNegative()) {
                // what the hub sent before this change: a token in its own time, not valid yet for the agent
                HubTokenIssuer hubTime = new HubTokenIssuer(hub.getBean(HubIdentity.class), Duration.ofMinutes(5),
                        Duration.ofMinutes(1), hubClock);
                HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(direct.endpoint() + "/health")).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + hubTime.tokenFor(directId)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(401);
                assertThat(refused.body()).contains("token not valid before");
                assertThat(refused.headers().firstValue("Codehub-Agent-Time")).isPresent();
            }

            for (String id : new String[] {tunnelId, directId}) {
                // Active, and checked since: a tunnel agent is active once connected, while the error of a
                // check made before it had connected stays until the hub's next check (at once, then).
                await().atMost(CONVERGE).until(() -> get(api, "/api/v1/agents/" + id), agent ->
                        "active".equals(agent.path("status").asString(""))
                                && (agent.path("lastError").isMissingNode() || agent.path("lastError").isNull()));
                JsonNode view = get(api, "/api/v1/agents/" + id);
                Runtime runtime = hub.getBean(AgentRuntimes.class)
                        .runtime(id, URI.create(view.get("endpoint").asString()));
                Health health = runtime.health().block(Duration.ofSeconds(30));
                assertThat(health.status()).as("health of %s: %s", id, health.detail()).isEqualTo(HealthStatus.UP);
                assertThat(runtime.listInstances("clock-skew-").block(Duration.ofSeconds(30))).isEmpty();
                assertThat(runtime.volumeExists(WorkspaceId.of("clock-skew-none")).block(Duration.ofSeconds(30)))
                        .isFalse();
                JsonNode measured = get(api, "/api/v1/agents/" + id);
                assertThat(measured.path("lastError").isMissingNode() || measured.path("lastError").isNull())
                        .as("lastError of %s: %s", id, measured.path("lastError")).isTrue();
                assertThat(measured.path("clockOffsetMillis").isNumber()).as("clockOffsetMillis of %s", id).isTrue();
                assertThat(measured.get("clockOffsetMillis").asLong()).as("clockOffsetMillis of %s", id)
                        .isBetween(expectedOffset - TOLERANCE_MILLIS, expectedOffset + TOLERANCE_MILLIS);
            }
            PrometheusText metrics = PrometheusText.parse(api.get().uri("/actuator/prometheus").exchange()
                    .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody());
            assertThat(metrics.value("codehub_agents_clock_skewed")).isEqualTo(2.0);
            double refusedHealth = metrics.value("codehub_agent_api_calls_seconds_count", "operation", "GET /health",
                    "outcome", "client_error");
            if (!shift.isNegative()) {
                // the direct agent's first health check went out in the hub's time and was sent once more
                assertThat(refusedHealth).isGreaterThanOrEqualTo(1.0);
            }
            System.out.printf("ClockSkewIT hub clock %s: clockOffsetMillis tunnel=%s direct=%s, refused health "
                    + "checks=%s%n", shiftText, get(api, "/api/v1/agents/" + tunnelId).path("clockOffsetMillis"),
                    get(api, "/api/v1/agents/" + directId).path("clockOffsetMillis"), refusedHealth);
        } finally {
            try {
                if (tunnelled != null) {
                    tunnelled.close();
                }
                if (direct != null) {
                    direct.close();
                }
            } finally {
                if (hub != null) {
                    hub.close();
                }
                TestFiles.deleteRecursively(dir);
            }
        }
    }

    private interface Start {
        AgentProcess start() throws Exception;
    }

    private static AgentProcess start(Start start) {
        try {
            return start.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts an agent process on a given port. */
    private interface OnPort {
        AgentProcess start(int port, Path dir) throws Exception;
    }

    /**
     * An agent on {@code port} or, when another process took that port in the meantime (this machine
     * runs other tests too), on another one, which {@code moved} is told about first.
     */
    private static AgentProcess onAFreePort(int port, Path dir, OnPort start, IntConsumer moved) throws Exception {
        int candidate = port;
        for (int attempt = 1; ; attempt++) {
            try {
                return start.start(candidate, dir.resolve("attempt-" + attempt));
            } catch (IllegalStateException e) {
                if (attempt == 3 || e.getMessage() == null || !e.getMessage().contains("already in use")) {
                    throw e;
                }
                candidate = AgentProcess.freePort();
                moved.accept(candidate);
            }
        }
    }

    private static JsonNode register(WebTestClient api, String name, String endpoint) {
        return api.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", name, "endpoint", endpoint, "type", "docker", "capacity", 2))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private static JsonNode get(WebTestClient api, String path) {
        return api.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }
}
