package io.codehub.agent.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;

import io.codehub.agent.TestHubKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** An agent whose Docker engine is not there: clear 503s naming the socket, DOWN health, not ready. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AgentDockerUnavailableIT {

    static final TestHubKeys HUB = TestHubKeys.generate();
    static final String SOCKET = "unix:///tmp/codehub-no-such-docker.sock";
    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.agent.id", () -> "agent-without-docker");
        registry.add("codehub.agent.hub-public-key", () -> HUB.writePublicKey(dir).toString());
        registry.add("codehub.agent.archive-dir", () -> dir.resolve("archives").toString());
        registry.add("codehub.agent.docker.host", () -> SOCKET);
    }

    @LocalServerPort
    int port;

    @Test
    void callsFailWith503NamingTheSocket() {
        AgentApiClient api = new AgentApiClient(port, HUB.token("agent-without-docker", Instant.now().plusSeconds(60)));
        for (String path : new String[] {"/instances/ws1/status", "/volumes", "/instances?prefix=ws"}) {
            assertThat(api.get(path).assertProblem(503, "backend-unavailable").detail()).as(path).contains(SOCKET);
        }
        assertThat(api.post("/volumes/ws1", null).assertProblem(503, "backend-unavailable").detail()).contains(SOCKET);
        var health = api.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asString()).isEqualTo("DOWN");
        assertThat(health.json().get("detail").asString()).contains(SOCKET);
    }

    @Test
    void probesSayNotReadyButAlive() {
        AgentApiClient open = AgentApiClient.withAuthorization(port, null);
        assertThat(open.raw("GET", "/actuator/health/liveness", null, null, null).status()).isEqualTo(200);
        AgentApiClient.Reply readiness = open.raw("GET", "/actuator/health/readiness", null, null, null);
        assertThat(readiness.status()).isEqualTo(503);
        assertThat(readiness.body()).doesNotContain("docker.sock");
    }
}
