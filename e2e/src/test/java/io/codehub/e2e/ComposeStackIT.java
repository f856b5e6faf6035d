package io.codehub.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.Locale;
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
 * PostgreSQL, the hub, a direct agent and a tunnel-only agent come up and register; a workspace of the
 * sample app runs on each agent through the hub's API, on its agent's workspace network, and answers
 * through the hub's published workspace gateway (the hub dials the direct agent's workspace on that
 * network, the site agent its own for the hub's tunnel CONNECT stream); the hub container is replaced
 * and finds everything in PostgreSQL (the gateway sessions too); the registration steps run again
 * harmlessly; {@code docker-compose down -v} leaves nothing of the project behind.
 *
 * <p>Images: {@code deploy/docker/build-images --local} builds the stand-ins for public images (no
 * registry is reachable here) and the hub and agent images from the reactor's jars, each only when its
 * inputs changed. The test talks to the hub on 127.0.0.1 only (its ports are published there, on free
 * ports); everything else is {@code docker} and {@code docker-compose} commands. The workspace networks
 * get names and a subnet of this project's own (a free {@code 10.247.N.0/24}). Without Docker it
 * fails; without a compose command it fails on CI ({@code CI=true}) and is skipped elsewhere.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ComposeStackIT {

    private static final Path ROOT = Path.of(System.getProperty("codehub.root", "..")).toAbsolutePath().normalize();
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration SETTLE = Duration.ofMinutes(4);
    private static final String WORKSPACE_IMAGE = "codehub/sample-workspace:local";
    private static final Duration APP_START = Duration.ofMinutes(2);

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
        if (ExternalCommand.run(ROOT, Duration.ofMinutes(1), "docker", "image", "inspect", WORKSPACE_IMAGE).exitCode() != 0) {
            fail(WORKSPACE_IMAGE + " is missing: build it with deploy/test-images/build");
        }

        byte[] suffix = new byte[4];
        new SecureRandom().nextBytes(suffix);
        String projectName = "codehubit" + HexFormat.of().formatHex(suffix);
        // Access links name the gateway's published port, so it is chosen here rather than by the engine.
        int gatewayPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            gatewayPort = free.getLocalPort();
        }
        String directNetwork = projectName + "-direct-workspaces";
        String siteNetwork = projectName + "-site-workspaces";
        Path envFile = work.resolve("compose.env");
        ExternalCommand.run(ROOT, Duration.ofMinutes(1), ComposeProject.FOREIGN_VARIABLES, Map.of(
                        "CODEHUB_PUBLISH_ADDRESS", "127.0.0.1", "CODEHUB_HUB_PORT", "0", "CODEHUB_TUNNEL_PORT", "0",
                        "CODEHUB_GATEWAY_PORT", Integer.toString(gatewayPort),
                        "CODEHUB_DIRECT_WORKSPACE_NETWORK", directNetwork, "CODEHUB_SITE_WORKSPACE_NETWORK", siteNetwork,
                        "CODEHUB_DIRECT_WORKSPACE_SUBNET", freeSubnet(),
                        "CODEHUB_ARCHIVE_DIR", work.resolve("archives").toString()),
                List.of(ROOT.resolve("deploy/docker/compose-env").toString(), "--local", "--out", envFile.toString()))
                .orFail();
        String token = variable(envFile, "CODEHUB_ADMIN_TOKEN");
        project = new ComposeProject(ROOT, projectName, envFile, compose);

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

        // A workspace on each agent, placed by id, running on its agent's workspace network and
        // publishing nothing on the host.
        String direct = createWorkspace(hub, "direct-ws", agents.get("direct"));
        String site = createWorkspace(hub, "site-ws", agents.get("site"));
        awaitState(hub, direct, "RUNNING");
        awaitState(hub, site, "RUNNING");
        phase("a workspace RUNNING on each agent");
        for (String id : List.of(direct, site)) {
            String network = id.equals(direct) ? directNetwork : siteNetwork;
            assertThat(dockerQuiet("inspect", "--format", "{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}",
                    "codehub-ws-" + id)).as(id).isEqualTo(network);
            assertThat(dockerQuiet("port", "codehub-ws-" + id)).as("published ports of " + id).isEmpty();
        }
        String siteWorkspace = dockerQuiet("inspect", "--format",
                "{{ (index .NetworkSettings.Networks \"" + siteNetwork + "\").IPAddress }}", "codehub-ws-" + site);
        assertThat(project.shell("hub", "nc -w 3 " + siteWorkspace + " 8080 </dev/null").exitCode())
                .as("the hub has no way to the site's workspaces but the site agent's tunnel").isNotZero();

        // Through the published gateway: the hub dials the direct agent's workspace on direct-workspaces,
        // and the site agent its own on site-workspaces for the hub's CONNECT stream.
        Map<String, String> sessions = new LinkedHashMap<>();
        for (String id : List.of(direct, site)) {
            JsonNode access = hub.post("/api/v1/workspaces/" + id + "/access",
                    HubAdminClient.json().createObjectNode().put("subject", "compose-it").put("ttl", "1h")).body();
            assertThat(access.path("url").asString()).as(access.toString())
                    .startsWith("http://" + id + ".apps.localhost:" + gatewayPort + "/");
            sessions.put(id, access.path("token").asString());
        }
        for (String id : List.of(direct, site)) {
            await().atMost(APP_START).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(
                    gatewayGet(gatewayPort, id, sessions.get(id), "/hello"))
                    .as("GET /hello of " + id + " through the gateway").isEqualTo("200 hello from port 8080\n"));
        }
        assertThat(gatewayGet(gatewayPort, direct, sessions.get(site), "/hello")).as("another workspace's session")
                .startsWith("401 ");
        phase("both workspaces answer through the gateway");

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
        for (String id : List.of(direct, site)) {
            await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(
                    gatewayGet(gatewayPort, id, sessions.get(id), "/hello"))
                    .as("the session of " + id + " on the new hub").isEqualTo("200 hello from port 8080\n"));
        }
        phase("hub container replaced, state found in PostgreSQL, tunnel and gateway back");

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
        down();
        for (String id : workspaceIds) {
            project.docker("rm", "--force", "--volumes", "codehub-ws-" + id);
            project.docker("volume", "rm", "--force", "codehub-ws-" + id);
        }
        // A workspace network still holding a workspace outlived the first `down`; the agents are gone now.
        down();
    }

    private void down() throws IOException, InterruptedException {
        if (!project.leftovers().isEmpty()) {
            ExternalCommand.Result down = project.compose(UP_TIMEOUT, "down", "-v", "--remove-orphans");
            if (down.exitCode() != 0) {
                System.err.println("[ComposeStackIT] cleanup: " + ExternalCommand.tail(down.output()));
            }
        }
    }

    private String createWorkspace(HubAdminClient hub, String name, String agentId) throws IOException, InterruptedException {
        JsonNode body = HubAdminClient.json().createObjectNode()
                .put("name", name)
                .put("image", WORKSPACE_IMAGE)
                .put("imagePullPolicy", "Never")
                .put("agentId", agentId);
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

    /**
     * {@code GET path} of the workspace's app through the gateway published on 127.0.0.1, with the
     * workspace's host name and a session token: {@code "<status> <body>"}. A raw socket, since the
     * JDK's client does not let a caller set {@code Host}.
     */
    private static String gatewayGet(int port, String workspaceId, String session, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + workspaceId + ".apps.localhost:" + port
                    + "\r\nAuthorization: Bearer " + session + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            StringBuilder head = new StringBuilder();
            while (head.length() < 65_536 && !(head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n"))) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the gateway closed the connection in the response head: " + head);
                }
                head.append((char) b);
            }
            String[] lines = head.toString().split("\r\n");
            String status = lines[0].split(" ")[1];
            long length = -1;
            for (String line : lines) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(line.substring("content-length:".length()).strip());
                }
            }
            byte[] body = length >= 0 ? in.readNBytes((int) Math.min(length, 1 << 20)) : in.readAllBytes();
            return status + " " + new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * A {@code 10.247.N.0/24} that overlaps none of the engine's networks, for this project's
     * direct-workspaces network (whose subnet the hub is told).
     */
    private static String freeSubnet() throws IOException, InterruptedException {
        List<long[]> taken = new ArrayList<>();
        for (String id : dockerQuiet("network", "ls", "--quiet").split("\\s+")) {
            if (id.isBlank()) {
                continue;
            }
            for (String cidr : dockerQuiet("network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", id)
                    .split("\\s+")) {
                if (cidr.matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+")) {
                    taken.add(range(cidr));
                }
            }
        }
        int start = new SecureRandom().nextInt(254);
        for (int i = 0; i < 254; i++) {
            String candidate = "10.247." + ((start + i) % 254 + 1) + ".0/24";
            long[] mine = range(candidate);
            if (taken.stream().noneMatch(other -> mine[0] <= other[1] && other[0] <= mine[1])) {
                return candidate;
            }
        }
        throw new AssertionError("no free 10.247.N.0/24 among the engine's networks: " + taken.size() + " subnets taken");
    }

    /** The first and last address of an IPv4 CIDR block, as numbers. */
    private static long[] range(String cidr) {
        String[] parts = cidr.split("/");
        long address = 0;
        for (String octet : parts[0].split("\\.")) {
            address = address << 8 | Integer.parseInt(octet);
        }
        long size = 1L << (32 - Integer.parseInt(parts[1]));
        long first = address & ~(size - 1) & 0xFFFF_FFFFL;
        return new long[] {first, first + size - 1};
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
