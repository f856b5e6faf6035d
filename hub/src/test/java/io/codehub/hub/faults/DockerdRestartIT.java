package io.codehub.hub.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.NatLab;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The Docker engine restarted under a running agent (#16, faults), as an engine upgrade or crash
 * does on a site: a hub in this JVM, a real agent process, and a Docker engine of the test's own
 * (a NAT lab's site engine, {@code natlab up --docker}; the agent reaches it through its socket)
 * that the test stops and starts again, as {@code systemctl restart docker} would. The agent's readiness goes false
 * and the hub marks it {@code error} while the engine is away; the workspace is not lost: the
 * engine brings its container back (the instance's {@code unless-stopped} policy), same container,
 * same volume, same files, the hub shows it {@code RUNNING} throughout and its next step works.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DockerdRestartIT {

    private static final String ADMIN_TOKEN = "dockerd-restart-admin-token-0123456789";
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final HttpClient PROBE = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private static Path dir;
    private static NatLab lab;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient http;
    private static AgentProcess agent;
    private static String agentId;

    @BeforeAll
    static void startEngineHubAndAgent() throws Exception {
        dir = Files.createTempDirectory("dockerd-restart-it");
        lab = NatLab.up("d", true);
        lab.loadImages("codehub/busybox:local");
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "codehub.hub.health.interval", "500ms",
                "codehub.hub.health.timeout", "2s", "codehub.hub.health.failure-threshold", "2",
                "codehub.hub.health.max-backoff", "1s", "codehub.hub.reconciler.interval", "500ms",
                "codehub.hub.reconciler.poll-interval", "200ms", "codehub.hub.gateway.enabled", "false");
        http = TestHub.adminClient(hub, ADMIN_TOKEN);
        int port = AgentProcess.freePort();
        agent = AgentProcess.startRegistered(http, Map.of("name", "private-engine", "type", "docker", "capacity", 4,
                "region", "restart"), port, port, dir.resolve("agent"),
                Map.of("CODEHUB_AGENT_DOCKER_HOST", lab.dockerHost()), CONVERGE);
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
            try {
                if (lab != null) {
                    lab.down();
                }
            } finally {
                TestFiles.deleteRecursively(dir);
            }
        }
    }

    @Test
    void aRestartedEngineLosesNoWorkspace() throws Exception {
        Map<String, Object> spec = new HashMap<>(Map.of("name", "survivor", "region", "restart",
                "image", "codehub/busybox:local", "imagePullPolicy", "Never",
                "command", List.of("httpd", "-f", "-p", "8080", "-h", "/home/coder")));
        String id = http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON).bodyValue(spec)
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody()
                .get("id").asString();
        awaitState(id, "RUNNING");
        String container = "codehub-ws-" + id;
        String containerId = check(lab.docker("inspect", "-f", "{{.Id}}", container));
        check(lab.docker("exec", container, "sh", "-c", "echo kept > /home/coder/kept.txt"));
        assertThat(readiness()).isEqualTo(200);

        long stopping = System.nanoTime();
        lab.dockerStop();
        long stopped = System.nanoTime();
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(readiness()).as("the agent's readiness without its engine").isEqualTo(503);
            assertThat(get("/api/v1/agents/" + agentId).get("status").asString()).isEqualTo("error");
        });
        long noticed = System.nanoTime();
        JsonNode during = get("/api/v1/workspaces/" + id);
        assertThat(during.get("state").asString()).as("no step was in flight: nothing to fail").isEqualTo("RUNNING");
        assertThat(during.get("desiredState").asString()).isEqualTo("RUNNING");

        long starting = System.nanoTime();
        lab.dockerStart();
        long started = System.nanoTime();
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(readiness()).as("the agent's readiness with its engine back").isEqualTo(200);
            assertThat(get("/api/v1/agents/" + agentId).get("status").asString()).isEqualTo("active");
            assertThat(check(lab.docker("inspect", "-f", "{{.State.Running}}", container))).isEqualTo("true");
        });
        System.out.printf("[figures] engine stop %d ms, then agent not ready and hub error %d ms later;"
                + " engine start %d ms, then agent ready, hub active, container running %d ms later%n",
                millis(stopping, stopped), millis(stopped, noticed), millis(starting, started),
                millis(started, System.nanoTime()));
        assertThat(check(lab.docker("inspect", "-f", "{{.Id}}", container))).as("the same container")
                .isEqualTo(containerId);
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(check(
                lab.docker("exec", container, "wget", "-qO-", "http://127.0.0.1:8080/kept.txt"))).isEqualTo("kept"));
        assertThat(get("/api/v1/workspaces/" + id).get("state").asString()).isEqualTo("RUNNING");
        JsonNode events = get("/api/v1/events?agentId=" + agentId + "&type=agent.health-changed");
        List<String> to = events.get("items").findValuesAsString("to");
        assertThat(to).as("the hub's record of the outage: active, error, active again").contains("error");
        assertThat(Collections.frequency(to, "active")).as("active: %s", to).isEqualTo(2);

        // The workspace's next step runs on the restarted engine.
        http.post().uri("/api/v1/workspaces/{id}/stop", id).exchange().expectStatus().isAccepted();
        awaitState(id, "STOPPED");
        assertThat(lab.docker("inspect", "--type", "container", container).exitCode()).as("stopped: no container").isNotZero();
        assertThat(check(lab.docker("volume", "ls", "-q"))).contains("codehub-ws-" + id);
    }

    private static long millis(long from, long to) {
        return TimeUnit.NANOSECONDS.toMillis(to - from);
    }

    private static int readiness() {
        try {
            return PROBE.send(HttpRequest.newBuilder(URI.create(agent.endpoint() + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new AssertionError("the agent's readiness probe did not answer: " + e, e);
        }
    }

    private static String check(NatLab.Result result) {
        assertThat(result.exitCode()).as("%s: %s", result.command(), result.output()).isZero();
        return result.output().strip();
    }

    private static JsonNode get(String path) {
        return http.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }

    private static void awaitState(String id, String state) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(100)).until(() -> get("/api/v1/workspaces/" + id), w -> {
            String now = w.get("state").asString();
            if ("ERROR".equals(now)) {
                throw new AssertionError("workspace " + id + " went ERROR: " + w.get("reason"));
            }
            return state.equals(now);
        });
    }
}
