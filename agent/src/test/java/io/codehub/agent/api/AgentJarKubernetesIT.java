package io.codehub.agent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.codehub.agent.TestHubKeys;
import io.codehub.runtime.kubernetes.MockCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The agent's jar as it ships ({@code target/codehub-agent.jar}, made by {@code package} before the
 * integration tests) with {@code CODEHUB_AGENT_RUNTIME=kubernetes} and a kubeconfig naming the
 * fabric8 mock server: it starts, turns ready and reports the Kubernetes backend. The in-process
 * {@link AgentKubernetesIT} runs on the test classpath, which once held a library the jar lacked
 * (the YAML support fabric8 parses kubeconfig files with), so only the jar itself shows this.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AgentJarKubernetesIT {

    private static final Path JAR = Path.of("target", "codehub-agent.jar");
    private static final String AGENT_ID = "agent-jar-k8s";

    @TempDir
    Path dir;

    @Test
    void theShippedJarDrivesTheClusterOfAKubeconfig() throws Exception {
        assertThat(JAR).as("the agent's jar, made by package").isRegularFile();
        TestHubKeys hub = TestHubKeys.generate();
        int port = freePort();
        Path log = dir.resolve("agent.log");
        try (MockCluster cluster = MockCluster.start()) {
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", JAR.toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("CODEHUB_"));
            builder.environment().put("CODEHUB_AGENT_ID", AGENT_ID);
            builder.environment().put("CODEHUB_AGENT_HUB_PUBLIC_KEY", hub.writePublicKey(dir).toString());
            builder.environment().put("CODEHUB_AGENT_LISTEN", "127.0.0.1:" + port);
            builder.environment().put("CODEHUB_AGENT_RUNTIME", "kubernetes");
            builder.environment().put("CODEHUB_AGENT_KUBECONFIG", cluster.writeKubeconfig(dir).toString());
            Process agent = builder.start();
            try {
                AgentApiClient open = AgentApiClient.withAuthorization(port, null);
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                        .ignoreExceptionsInstanceOf(UncheckedIOException.class)
                        .until(() -> {
                            if (!agent.isAlive()) {
                                throw new IllegalStateException("the agent exited with " + agent.exitValue() + ":\n"
                                        + Files.readString(log));
                            }
                            return open.raw("GET", "/actuator/health/readiness", null, null, null).status() == 200;
                        });
                JsonNode health = new AgentApiClient(port, hub.token(AGENT_ID, Instant.now().plusSeconds(300)))
                        .get("/health").json();
                assertThat(health.get("status").asString()).isEqualTo("UP");
                assertThat(health.get("runtime").asString()).isEqualTo("kubernetes");
                assertThat(health.get("backend").asString()).contains("namespace " + MockCluster.NAMESPACE);
            } finally {
                agent.destroy();
                if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                    agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
