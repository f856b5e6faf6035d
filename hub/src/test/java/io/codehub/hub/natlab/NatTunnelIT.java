package io.codehub.hub.natlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole product behind a real NAT (deploy/natlab): the hub runs in its own network namespace
 * with no route to the site, the agent in the site namespace behind a masquerading router. The
 * hub cannot open a connection to the agent; the agent dials out to the hub's tunnel port, and a
 * workspace is created, stopped and deleted through the hub's API exactly as for a direct agent.
 * Every address used lives in namespaces this test creates; the API is called from inside the
 * hub's namespace (its own loopback).
 */
class NatTunnelIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path NATLAB = ROOT.resolve("deploy/natlab/natlab");
    private static final String LAB = "n" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt()});
    private static final String ADMIN_TOKEN = "nat-lab-admin-token-" + HexFormat.of().formatHex(new byte[8]);
    private static final List<Process> processes = new ArrayList<>();
    private static final List<String> workspaces = new ArrayList<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void natUp() {
        run(List.of(NATLAB.toString(), "up", LAB), Duration.ofSeconds(30));
    }

    @AfterAll
    static void natDown() {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        workspaces.forEach(DockerCli::removeWorkspaces);
        run(List.of(NATLAB.toString(), "down", LAB), Duration.ofSeconds(30));
    }

    @Test
    void aNatedAgentServesWorkspacesThroughTheTunnel() throws Exception {
        start("hub", "hub", Map.of("SERVER_ADDRESS", "127.0.0.1", "SERVER_PORT", "18080",
                "CODEHUB_HUB_DATA_DIR", dir.resolve("hub").toString(), "CODEHUB_ADMIN_TOKEN", ADMIN_TOKEN,
                "CODEHUB_HUB_TUNNEL_ADDRESS", "10.231.0.1", "CODEHUB_HUB_TUNNEL_PORT", "7443",
                "CODEHUB_HUB_HEALTH_INTERVAL", "2s"), ROOT.resolve("hub/target/codehub-hub.jar"));
        JsonNode hubInfo = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> api("GET", "/api/v1/hub", null), node -> node.has("publicKeyPem"));
        Path hubKey = Files.writeString(dir.resolve("hub-public.pem"), hubInfo.get("publicKeyPem").asString());

        // The NAT holds: nothing in the hub's namespace can open a connection to the site.
        assertThat(exitCode(List.of(NATLAB.toString(), "exec", LAB, "hub", "bash", "-c",
                "exec 3<>/dev/tcp/10.232.0.2/8081"))).isNotZero();

        JsonNode registered = api("POST", "/api/v1/agents",
                "{\"name\":\"behind-nat\",\"endpoint\":\"tunnel://\",\"type\":\"docker\",\"capacity\":4}");
        String agentId = registered.get("agent").get("id").asString();
        assertThat(registered.get("agent").get("endpoint").asString()).isEqualTo("tunnel://" + agentId);

        start("site", "agent", Map.of("CODEHUB_AGENT_ID", agentId,
                "CODEHUB_AGENT_HUB_PUBLIC_KEY", hubKey.toString(),
                "CODEHUB_AGENT_HUB_URL", "tcp://10.231.0.1:7443",
                "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString(),
                "CODEHUB_AGENT_LISTEN", "127.0.0.1:8081",
                "CODEHUB_AGENT_ARCHIVE_DIR", dir.resolve("archives").toString()),
                ROOT.resolve("agent/target/codehub-agent.jar"));

        // Connected, and active again: the health checks that failed while the agent was starting
        // are followed by one over the new tunnel.
        JsonNode connected = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> api("GET", "/api/v1/agents/" + agentId, null),
                        agent -> agent.path("connection").path("state").asString("").equals("connected")
                                && agent.path("status").asString("").equals("active"));
        // The hub sees the router's address: the agent's connection went through the NAT.
        assertThat(connected.get("connection").get("remoteAddress").asString()).contains("10.231.0.2");

        JsonNode workspace = api("POST", "/api/v1/workspaces", "{\"name\":\"nat-ws\",\"image\":\"codehub/busybox:local\","
                + "\"command\":[\"httpd\",\"-f\",\"-p\",\"8080\",\"-h\",\"/home/coder\"]}");
        String workspaceId = workspace.get("id").asString();
        workspaces.add(workspaceId);
        assertThat(workspace.get("agentId").asString()).isEqualTo(agentId);
        awaitState(workspaceId, "RUNNING");
        assertThat(DockerCli.hasContainer(workspaceId)).isTrue();

        api("POST", "/api/v1/workspaces/" + workspaceId + "/stop", null);
        awaitState(workspaceId, "STOPPED");
        assertThat(DockerCli.hasContainer(workspaceId)).isFalse();
        assertThat(DockerCli.hasVolume(workspaceId)).isTrue();

        api("DELETE", "/api/v1/workspaces/" + workspaceId, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> !DockerCli.hasVolume(workspaceId));
    }

    private static void awaitState(String workspaceId, String state) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(
                () -> api("GET", "/api/v1/workspaces/" + workspaceId, null).get("state").asString(), state::equals);
    }

    /** Calls the hub's API from inside the hub's namespace. */
    private static JsonNode api(String method, String path, String body) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(NATLAB.toString(), "exec", LAB, "hub", "curl", "-sS", "-f",
                "--max-time", "20", "-X", method, "-H", "Authorization: Bearer " + ADMIN_TOKEN));
        if (body != null) {
            command.addAll(List.of("-H", "Content-Type: application/json", "-d", body));
        }
        command.add("http://127.0.0.1:18080" + path);
        String output = run(command, Duration.ofSeconds(30));
        return output.isBlank() ? JSON.createObjectNode() : JSON.readTree(output);
    }

    private static void start(String role, String name, Map<String, String> env, Path jar) throws IOException {
        assertThat(jar).as("%s jar (built by the reactor before this test)", name).exists();
        ProcessBuilder builder = new ProcessBuilder(NATLAB.toString(), "exec", LAB, role, "java", "-Xmx256m", "-jar",
                jar.toString()).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().putAll(env);
        processes.add(builder.start());
    }

    private static int exitCode(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    private static String run(List<String> command, Duration timeout) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command + " exited " + process.exitValue() + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
