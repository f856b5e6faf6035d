package io.codehub.hub.natlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.support.NatLab;
import io.codehub.hub.support.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A person opens a workspace that runs behind a real NAT: the hub (gateway included) in the lab's
 * hub namespace with no route to the site, the agent and its own Docker engine in the site
 * namespace (the engine publishes the workspace's app on the site's loopback, as on an on-prem
 * host). The only way in is the tunnel the agent dialled. The person is {@link GatewayProbe}, a
 * process in the hub namespace talking to the gateway on that namespace's loopback.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class NatGatewayIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String IMAGE = "codehub/sample-workspace:local";
    private static final String ADMIN_TOKEN = "nat-gateway-admin-token-0123456789";
    private static final List<Process> processes = new ArrayList<>();
    private static NatLab lab;
    private static Path dir;

    @BeforeAll
    static void labUp() throws IOException {
        dir = Files.createTempDirectory("nat-gateway-it");
        lab = NatLab.up("g", true);
        lab.loadImages(IMAGE);
    }

    @AfterAll
    static void labDown() {
        try {
            for (Process process : processes) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } finally {
            if (lab != null) {
                lab.down();
            }
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    void aPersonOpensAWorkspaceBehindNatThroughTheGateway() throws Exception {
        start("hub", "hub", ROOT.resolve("hub/target/codehub-hub.jar"), Map.of("SERVER_ADDRESS", "127.0.0.1",
                "SERVER_PORT", "18080", "CODEHUB_HUB_DATA_DIR", dir.resolve("hub").toString(),
                "CODEHUB_ADMIN_TOKEN", ADMIN_TOKEN, "CODEHUB_HUB_TUNNEL_ADDRESS", "10.231.0.1",
                "CODEHUB_HUB_TUNNEL_PORT", "7443", "CODEHUB_HUB_GATEWAY_ADDRESS", "127.0.0.1",
                "CODEHUB_HUB_GATEWAY_PORT", "18081", "CODEHUB_HUB_HEALTH_INTERVAL", "2s"));
        JsonNode hubInfo = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> api("GET", "/api/v1/hub", null), node -> node.has("publicKeyPem"));
        Path hubKey = Files.writeString(dir.resolve("hub-public.pem"), hubInfo.get("publicKeyPem").asString());

        JsonNode registered = api("POST", "/api/v1/agents",
                "{\"name\":\"behind-nat\",\"endpoint\":\"tunnel://\",\"type\":\"docker\",\"capacity\":4}");
        String agentId = registered.get("agent").get("id").asString();
        start("site", "agent", ROOT.resolve("agent/target/codehub-agent.jar"), Map.of("CODEHUB_AGENT_ID", agentId,
                "CODEHUB_AGENT_HUB_PUBLIC_KEY", hubKey.toString(), "CODEHUB_AGENT_HUB_URL", "tcp://10.231.0.1:7443",
                "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString(), "CODEHUB_AGENT_LISTEN", "none",
                "CODEHUB_AGENT_DOCKER_HOST", lab.dockerHost(),
                "CODEHUB_AGENT_ARCHIVE_DIR", dir.resolve("archives").toString()));
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> api("GET", "/api/v1/agents/" + agentId, null),
                        agent -> agent.path("connection").path("state").asString("").equals("connected")
                                && agent.path("status").asString("").equals("active"));

        JsonNode workspace = api("POST", "/api/v1/workspaces", "{\"name\":\"nat-app\",\"image\":\"" + IMAGE + "\","
                + "\"imagePullPolicy\":\"Never\",\"agentId\":\"" + agentId + "\"}");
        String id = workspace.get("id").asString();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(
                () -> api("GET", "/api/v1/workspaces/" + id, null).get("state").asString(), "RUNNING"::equals);
        // The app is published on the site's loopback; the hub's namespace cannot reach the site at all.
        assertThat(lab.exec("hub", Duration.ofSeconds(10), "bash", "-c", "exec 3<>/dev/tcp/10.232.0.2/22").exitCode())
                .isNotZero();

        String url = api("POST", "/api/v1/workspaces/" + id + "/access", "{\"subject\":\"nat-user\"}").get("url").asString();
        assertThat(url).startsWith("http://" + id + ".apps.localhost:18081/");
        Process probe = lab.processBuilder("hub", "java", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                GatewayProbe.class.getName(), "18081", url).redirectErrorStream(true).start();
        processes.add(probe);
        String output;
        try (var in = probe.getInputStream()) {
            assertThat(probe.waitFor(4, TimeUnit.MINUTES)).as("the probe finished").isTrue();
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(probe.exitValue()).as(output).isZero();
        assertThat(output).contains("ok signed in", "ok GET /hello", "ok upload 64 MiB", "ok download 64 MiB", "ok SSE",
                "ok WebSocket");
    }

    private static JsonNode api(String method, String path, String body) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "-f", "--max-time", "20", "-X", method,
                "-H", "Authorization: Bearer " + ADMIN_TOKEN));
        if (body != null) {
            command.addAll(List.of("-H", "Content-Type: application/json", "-d", body));
        }
        command.add("http://127.0.0.1:18080" + path);
        String output = lab.exec("hub", Duration.ofSeconds(30), command.toArray(String[]::new)).orThrow();
        return output.isBlank() ? JSON.createObjectNode() : JSON.readTree(output);
    }

    private static void start(String role, String name, Path jar, Map<String, String> env) throws IOException {
        assertThat(jar).as("%s jar (built by the reactor before this test)", name).exists();
        ProcessBuilder builder = lab.processBuilder(role, "java", "-Xmx256m", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().putAll(env);
        processes.add(builder.start());
    }
}
