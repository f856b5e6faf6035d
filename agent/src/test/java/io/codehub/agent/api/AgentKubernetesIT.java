package io.codehub.agent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.codehub.agent.TestHubKeys;
import io.codehub.runtime.kubernetes.MockCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code CODEHUB_AGENT_RUNTIME=kubernetes}: the same Agent API, over real HTTP with real tokens, in
 * front of the Kubernetes runtime, which reaches the fabric8 mock server on 127.0.0.1 through a
 * kubeconfig file as an operator would configure it. A fake kubelet moves pods and Jobs along.
 * Every response is validated against the OpenAPI document.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class AgentKubernetesIT {

    static final String AGENT_ID = "agent-k8s";
    static final TestHubKeys HUB = TestHubKeys.generate();
    static final String SPEC = """
            {"image": "codehub/workspace:test", "command": ["httpd", "-f", "-p", "8080", "-h", "/home/coder"],
             "memoryMb": 128, "cpus": 0.25}""";
    @TempDir
    static Path dir;
    static MockCluster cluster;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        cluster = MockCluster.start();
        Path kubeconfig = cluster.writeKubeconfig(dir);
        registry.add("codehub.agent.id", () -> AGENT_ID);
        registry.add("codehub.agent.hub-public-key", () -> HUB.writePublicKey(dir).toString());
        registry.add("codehub.agent.runtime", () -> "kubernetes");
        registry.add("codehub.agent.kubeconfig", kubeconfig::toString);
        registry.add("codehub.agent.k8s.call-timeout", () -> "10s");
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @LocalServerPort
    int port;

    AgentApiClient api() {
        return new AgentApiClient(port, HUB.token(AGENT_ID, Instant.now().plusSeconds(300)));
    }

    @Test
    void healthNamesTheKubernetesBackendAndTheAgentIsReady() {
        JsonNode health = api().get("/health").json();
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.get("runtime").asString()).isEqualTo("kubernetes");
        assertThat(health.get("backend").asString()).contains("namespace " + MockCluster.NAMESPACE);
        AgentApiClient open = AgentApiClient.withAuthorization(port, null);
        assertThat(open.raw("GET", "/actuator/health/readiness", null, null, null).status()).isEqualTo(200);
    }

    @Test
    void workspaceLifecycleWithArchiveAndRestore() {
        AgentApiClient api = api();
        String ws = "akt-life";
        JsonNode started = api.post("/instances/" + ws + "/start", SPEC).json();
        assertThat(started.get("workspaceId").asString()).isEqualTo(ws);
        awaitState(api, ws, "running");
        assertThat(api.get("/volumes/" + ws + "/exists").json().get("exists").asBoolean()).isTrue();
        assertThat(api.get("/instances?prefix=akt-").json().get("items").findValuesAsString("workspaceId"))
                .containsExactly(ws);
        JsonNode upstream = api.get("/instances/" + ws + "/upstream").json();
        assertThat(upstream.get("port").asInt()).isEqualTo(8080);
        assertThat(upstream.get("host").asString()).startsWith("127.0.");
        api.delete("/volumes/" + ws).assertProblem(409, "volume-in-use");

        cluster.kubelet().writeFile("codehub-ws-" + ws, "/home/coder", "notes.txt", "kept in the archive");
        api.delete("/instances/" + ws);
        awaitState(api, ws, "missing");
        var accepted = api.post("/jobs/archive", "{\"workspaceId\": \"" + ws + "\"}");
        assertThat(accepted.status()).isEqualTo(202);
        JsonNode archived = awaitJob(api, accepted.json().get("jobId").asString());
        assertThat(archived.get("state").asString()).as("%s", archived).isEqualTo("succeeded");
        assertThat(archived.get("sha256").asString()).matches("[0-9a-f]{64}");

        api.delete("/volumes/" + ws);
        assertThat(api.get("/volumes/" + ws + "/exists").json().get("exists").asBoolean()).isFalse();
        var restore = api.post("/jobs/restore", "{\"workspaceId\": \"" + ws + "\", \"archiveKey\": \""
                + archived.get("archiveKey").asString() + "\"}");
        assertThat(restore.status()).isEqualTo(202);
        JsonNode restored = awaitJob(api, restore.json().get("jobId").asString());
        assertThat(restored.get("state").asString()).as("%s", restored).isEqualTo("succeeded");
        assertThat(restored.get("sha256").asString()).isEqualTo(archived.get("sha256").asString());

        api.post("/instances/" + ws + "/start", SPEC);
        awaitState(api, ws, "running");
        assertThat(cluster.kubelet().readFile("codehub-ws-" + ws, "/home/coder", "notes.txt"))
                .isEqualTo("kept in the archive");
        api.delete("/instances/" + ws);
        awaitState(api, ws, "missing");
        await().atMost(Duration.ofSeconds(20)).until(() -> api.delete("/volumes/" + ws).status() == 204);
    }

    @Test
    void problemsAreTheSameAsOnDocker() {
        AgentApiClient api = api();
        api.get("/instances/akt-none/upstream").assertProblem(404, "instance-not-found");
        api.post("/jobs/archive", "{\"workspaceId\": \"akt-none\"}").assertProblem(404, "volume-not-found");
        api.post("/jobs/restore", "{\"workspaceId\": \"akt-none\", \"archiveKey\": \"akt-none-20000101T000000Z-00000000.tar.gz\"}")
                .assertProblem(404, "archive-not-found");
        api.get("/jobs/no-such-job").assertProblem(404, "job-not-found");
        api.get("/instances?prefix=BAD").assertProblem(400, "invalid-spec");
    }

    static void awaitState(AgentApiClient api, String ws, String state) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> api.get("/instances/" + ws + "/status").json().get("state").asString().equals(state));
    }

    static JsonNode awaitJob(AgentApiClient api, String jobId) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> api.get("/jobs/" + jobId).json(), job -> job.get("state").asString().matches("succeeded|failed"));
    }
}
