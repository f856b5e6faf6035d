package io.codehub.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The top-level {@code docker-compose.yml} end to end, from the images this checkout builds (run as
 * user 10001, labelled with the pom's version, the hub's health check turning {@code healthy}):
 * PostgreSQL, the hub, a direct agent and a tunnel-only agent come up and register; a workspace runs
 * on each agent through the hub's API and is reachable where the hub (direct agent) or the agent's
 * tunnel (site agent) would connect; the hub container is replaced and finds everything in
 * PostgreSQL; the registration steps run again harmlessly; {@code docker-compose down -v} leaves
 * nothing of the project behind.
 *
 * <p>Images: {@code deploy/docker/build-images --local} builds the stand-ins for public images (no
 * registry is reachable here) and the hub and agent images from the reactor's jars, each only when its
 * inputs changed. The test talks to the hub on 127.0.0.1 only (its ports are published there, on free
 * ports); everything else is {@code docker} and {@code docker-compose} commands. Without Docker it
 * fails; without a compose command it fails on CI ({@code CI=true}) and is skipped elsewhere.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ComposeStackIT {

    private static final Path ROOT = Path.of(System.getProperty("codehub.root", "..")).toAbsolutePath().normalize();
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration SETTLE = Duration.ofMinutes(4);
    private static final String HTTP_GET = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ";

    @TempDir
    Path work;

    private List<String> compose;
    private ComposeProject project;
    private final List<String> workspaceIds = new ArrayList<>();
    private final Map<String, Duration> phases = new LinkedHashMap<>();
    private Instant phaseStart = Instant.now();

    @BeforeEach
    void prerequisites() throws IOException, InterruptedException {
        if (!ExternalCommand.onPath("docker")
                || ExternalCommand.run(ROOT, Duration.ofSeconds(30), "docker", "info").exitCode() != 0) {
            fail("no Docker engine answers `docker info`: run .ci/prepare-env (it installs and starts one)");
        }
        compose = ComposeProject.composeCommand(ROOT);
        if (compose == null) {
            String message = "neither docker-compose nor `docker compose` is installed: run .ci/prepare-env";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            Assumptions.abort(message);
        }
    }

    @Test
    void composeRunsWorkspacesOnADirectAndATunnelledAgentAndKeepsThemInPostgres() throws Exception {
        ExternalCommand.run(ROOT, BUILD_TIMEOUT, name -> false, Map.of(),
                List.of(ROOT.resolve("deploy/docker/build-images").toString(), "--local", "--skip-jar-build")).orFail();
        phase("images built or reused");
        String version = pomVersion();
        for (String image : List.of("codehub/hub:local", "codehub/agent:local")) {
            String config = dockerQuiet("image", "inspect", "--format",
                    "{{.Config.User}} {{index .Config.Labels \"org.opencontainers.image.version\"}}", image);
            assertThat(config).as(image).isEqualTo("10001:10001 " + version);
        }
        assertThat(dockerQuiet("image", "inspect", "--format", "{{json .Config.Healthcheck.Test}}", "codehub/hub:local"))
                .contains("io.codehub.web.probe.ReadinessProbe");

        Path envFile = work.resolve("compose.env");
        ExternalCommand.run(ROOT, Duration.ofMinutes(1), ComposeProject.FOREIGN_VARIABLES, Map.of(
                        "CODEHUB_PUBLISH_ADDRESS", "127.0.0.1", "CODEHUB_HUB_PORT", "0", "CODEHUB_TUNNEL_PORT", "0",
                        "CODEHUB_ARCHIVE_DIR", work.resolve("archives").toString()),
                List.of(ROOT.resolve("deploy/docker/compose-env").toString(), "--local", "--out", envFile.toString()))
                .orFail();
        String token = variable(envFile, "CODEHUB_ADMIN_TOKEN");
        byte[] suffix = new byte[4];
        new SecureRandom().nextBytes(suffix);
        project = new ComposeProject(ROOT, "codehubit" + HexFormat.of().formatHex(suffix), envFile, compose);

        project.compose(UP_TIMEOUT, "up", "-d").orFail();
        phase("docker-compose up -d (PostgreSQL healthy, agents registered)");
        HubAdminClient hub = new HubAdminClient(project.publishedPort("hub", 8080), token);

        // Both agents registered themselves, passed a health check, and the site agent's tunnel
        // session comes from its own address on the site network.
        String siteAddress = project.address("agent-site", "site");
        Map<String, String> agents = new LinkedHashMap<>();
        await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode items = hub.get("/api/v1/agents").body().path("items");
            assertThat(items).hasSize(2);
            for (JsonNode agent : items) {
                assertThat(agent.path("status").asString()).as(agent.toString()).isEqualTo("active");
                assertThat(agent.has("agentVersion")).as("health-checked: " + agent).isTrue();
                agents.put(agent.path("name").asString(), agent.path("id").asString());
                if (agent.path("name").asString().equals("site")) {
                    assertThat(agent.path("endpoint").asString()).isEqualTo("tunnel://" + agent.path("id").asString());
                    assertThat(agent.path("connection").path("state").asString()).isEqualTo("connected");
                    assertThat(agent.path("connection").path("remoteAddress").asString()).startsWith(siteAddress + ":");
                } else {
                    assertThat(agent.path("endpoint").asString()).isEqualTo("http://agent-direct:8081");
                }
            }
        });
        assertThat(agents).containsOnlyKeys("direct", "site");
        phase("both agents active");
        String hubContainer = project.containerId("hub");
        await().atMost(SETTLE).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(
                dockerQuiet("inspect", "--format", "{{.State.Health.Status}}", hubContainer)).isEqualTo("healthy"));
        assertThat(project.shell("hub", "nc -w 3 agent-site 8081 </dev/null").exitCode())
                .as("the site agent listens on nothing the hub can reach").isNotZero();

        // A workspace on each agent, placed by id, running and serving where its agent says.
        String direct = createWorkspace(hub, "direct-ws", agents.get("direct"));
        String site = createWorkspace(hub, "site-ws", agents.get("site"));
        awaitState(hub, direct, "RUNNING");
        awaitState(hub, site, "RUNNING");
        phase("a workspace RUNNING on each agent");
        assertThat(project.shell("hub", HTTP_GET + upstream(direct)).output())
                .as("the hub reaches the direct agent's workspace").startsWith("HTTP/1.");
        assertThat(project.shell("agent-site", HTTP_GET + upstream(site)).output())
                .as("the site agent reaches its workspace, where a tunnel CONNECT would go").startsWith("HTTP/1.");

        // A new hub container (same volumes): agents and workspaces come back from PostgreSQL, the
        // hub's key from its volume (the agents still accept its tokens), and the site agent reconnects.
        Instant restarted = Instant.now();
        project.compose(UP_TIMEOUT, "up", "-d", "--no-deps", "--force-recreate", "hub").orFail();
        assertThat(project.containerId("hub")).isNotEqualTo(hubContainer);
        HubAdminClient newHub = new HubAdminClient(project.publishedPort("hub", 8080), token);
        await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> newHub.readiness() == 200);
        assertThat(newHub.get("/api/v1/workspaces").body().path("items"))
                .extracting(w -> w.path("id").asString() + "=" + w.path("state").asString())
                .containsExactlyInAnyOrder(direct + "=RUNNING", site + "=RUNNING");
        assertThat(project.shell("postgres", "psql --host=/var/run/postgresql --username=codehub --dbname=codehub "
                + "--no-align --tuples-only --command='select count(*) from agents' --command='select count(*) from workspaces'")
                .orFail().output().strip().split("\\s+")).containsExactly("2", "2");
        await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode connection = newHub.get("/api/v1/agents/" + agents.get("site")).body().path("connection");
            assertThat(connection.path("state").asString()).isEqualTo("connected");
            assertThat(Instant.parse(connection.path("since").asString())).isAfter(restarted);
        });
        phase("hub container replaced, state found in PostgreSQL, tunnel back");

        // `up` again runs the registration steps again: they find their agents and change nothing.
        project.compose(UP_TIMEOUT, "up", "-d").orFail();
        assertThat(project.compose(Duration.ofMinutes(1), "logs", "--no-color", "register-direct", "register-site")
                .orFail().output()).contains("agent " + agents.get("direct") + " is already registered")
                .contains("agent " + agents.get("site") + " is already registered");
        assertThat(newHub.get("/api/v1/agents").body().path("items")).hasSize(2);

        // The new hub drives both agents: deleting the workspaces removes their containers and volumes.
        for (String id : List.of(direct, site)) {
            assertThat(newHub.delete("/api/v1/workspaces/" + id).status()).isEqualTo(202);
        }
        for (String id : List.of(direct, site)) {
            await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(newHub.get("/api/v1/workspaces/" + id).status()).isEqualTo(404));
            String name = "name=codehub-ws-" + id;
            assertThat(project.docker("ps", "--all", "--quiet", "--filter", name).orFail().output()).isBlank();
            assertThat(project.docker("volume", "ls", "--quiet", "--filter", name).orFail().output()).isBlank();
        }
        phase("workspaces deleted through the new hub");

        project.compose(UP_TIMEOUT, "down", "-v", "--remove-orphans").orFail();
        assertThat(project.leftovers()).as("containers, volumes and networks of project " + project.name()).isEmpty();
        phase("docker-compose down -v");
    }

    @AfterEach
    void removeEverything() throws IOException, InterruptedException {
        phases.forEach((name, took) -> System.out.printf("[ComposeStackIT] %-62s %6.1f s%n", name, took.toMillis() / 1000.0));
        if (project == null) {
            return;
        }
        if (!project.leftovers().isEmpty()) {
            ExternalCommand.Result down = project.compose(UP_TIMEOUT, "down", "-v", "--remove-orphans");
            if (down.exitCode() != 0) {
                System.err.println("[ComposeStackIT] cleanup: " + ExternalCommand.tail(down.output()));
            }
        }
        for (String id : workspaceIds) {
            project.docker("rm", "--force", "--volumes", "codehub-ws-" + id);
            project.docker("volume", "rm", "--force", "codehub-ws-" + id);
        }
    }

    private String createWorkspace(HubAdminClient hub, String name, String agentId) throws IOException, InterruptedException {
        JsonNode body = HubAdminClient.json().createObjectNode()
                .put("name", name)
                .put("image", "codehub/busybox:local")
                .put("imagePullPolicy", "Never")
                .put("agentId", agentId)
                .set("command", HubAdminClient.json().valueToTree(List.of("httpd", "-f", "-p", "8080", "-h", "/home/coder")));
        HubAdminClient.Answer created = hub.post("/api/v1/workspaces", body);
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        String id = created.body().path("id").asString();
        workspaceIds.add(id);
        return id;
    }

    private static void awaitState(HubAdminClient hub, String workspaceId, String state) {
        await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode workspace = hub.get("/api/v1/workspaces/" + workspaceId).body();
            if (workspace.path("state").asString().equals("ERROR")) {
                // Not an assertion error: Awaitility stops at once instead of polling until the deadline.
                throw new IllegalStateException("workspace " + workspaceId + " is ERROR: " + workspace);
            }
            assertThat(workspace.path("state").asString()).as(workspace.toString()).isEqualTo(state);
        });
    }

    /** Where the workspace's container publishes its port: the upstream its agent reports. */
    private String upstream(String workspaceId) throws IOException, InterruptedException {
        String published = project.docker("port", "codehub-ws-" + workspaceId, "8080").orFail().output().strip().split("\\s+")[0];
        int colon = published.lastIndexOf(':');
        return published.substring(0, colon) + " " + published.substring(colon + 1);
    }

    private static String dockerQuiet(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return ExternalCommand.run(ROOT, Duration.ofMinutes(1), name -> false, Map.of(), command).orFail().output().strip();
    }

    /** The version of the parent pom, which the images carry as their OCI version label. */
    private static String pomVersion() throws IOException {
        Matcher matcher = Pattern.compile("<artifactId>codehub-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(ROOT.resolve("pom.xml"), StandardCharsets.UTF_8));
        assertThat(matcher.find()).as("version of codehub-parent in pom.xml").isTrue();
        return matcher.group(1);
    }

    private static String variable(Path envFile, String name) throws IOException {
        return Files.readAllLines(envFile, StandardCharsets.UTF_8).stream()
                .filter(line -> line.startsWith(name + "="))
                .map(line -> line.substring(name.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError(envFile + " has no " + name));
    }

    private void phase(String name) {
        Instant now = Instant.now();
        phases.put(name, Duration.between(phaseStart, now));
        phaseStart = now;
    }
}
