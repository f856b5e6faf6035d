package io.codehub.hub.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.GatewayClient;
import io.codehub.hub.support.Haproxy;
import io.codehub.hub.support.HubProcess;
import io.codehub.hub.support.LoopbackProxy;
import io.codehub.hub.support.TestDatabase;
import io.codehub.hub.support.TestFiles;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * Three hub processes (the shipped jar) on one real PostgreSQL behind HAProxy with the shipped
 * config, three tunnel agents dialling HAProxy's tunnel frontend and one direct agent, each running
 * a workspace on the real dockerd: every hub answers for every agent and reaches every workspace
 * through its gateway (through the relay when another hub holds the tunnel); the hub holding most
 * tunnels is killed with SIGKILL and every workspace is reachable through each surviving hub within
 * seconds, with no workspace step taken again; a hub cut off from PostgreSQL gives its agents up.
 * Hub-3 reaches PostgreSQL through a {@link LoopbackProxy} the test can cut.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ClusterIT {

    private static final String ADMIN_TOKEN = "cluster-it-admin-token-0123456789";
    private static final String IMAGE = "codehub/sample-workspace:local";
    private static final Duration READY = Duration.ofSeconds(120);
    /** The bound for every agent to be reachable again after its hub died (the target is 10 s). */
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(20);

    private static Path dir;
    private static TestDatabase database;
    private static LoopbackProxy databaseProxy;
    private static final List<HubProcess> hubs = new ArrayList<>();
    private static Haproxy haproxy;
    private static final List<AgentProcess> agents = new ArrayList<>();
    /** Workspace id by agent id. */
    private static final Map<String, String> workspaces = new LinkedHashMap<>();
    private static final List<String> tunnelAgents = new ArrayList<>();

    @BeforeAll
    static void startTheCluster() throws Exception {
        dir = Files.createTempDirectory("cluster-it");
        database = TestDatabase.postgres();
        String schema = database.target().schema();
        databaseProxy = new LoopbackProxy(5432);
        for (int i = 1; i <= 3; i++) {
            String url = i == 3
                    ? "postgresql://postgres@127.0.0.1:" + databaseProxy.port() + "/test?schema=" + schema
                    : TestDatabase.postgresUrl(schema);
            Map<String, String> env = Map.of("CODEHUB_DATABASE_URL", url,
                    "CODEHUB_DATABASE_ACQUIRE_TIMEOUT", "2s",
                    "CODEHUB_HUB_LEASE_TTL", "6s",
                    "CODEHUB_HUB_LEASE_RENEW_INTERVAL", "1s",
                    "CODEHUB_HUB_HEALTH_INTERVAL", "2s",
                    "CODEHUB_HUB_TUNNEL_DRAIN_GRACE", "5s",
                    // the test's HAProxy takes a hub out after two failed checks 500 ms apart
                    "CODEHUB_HUB_SHUTDOWN_DELAY", "2s",
                    // the gateway's retries and refusals, in the logs a failed run keeps
                    "LOGGING_LEVEL_IO_CODEHUB_HUB_GATEWAY", "DEBUG");
            hubs.add(HubProcess.start("hub-" + i, dir.resolve("hub-" + i), ADMIN_TOKEN, env));
            if (i == 1) {
                hubs.get(0).awaitReady(READY); // migrates the schema and stores the shared keys first
            }
        }
        for (HubProcess hub : hubs) {
            hub.awaitReady(READY);
        }
        // Without HAProxy's layer-7 retries (HaproxyRetryIT tests those): a hub that closes a request
        // unanswered must show here, not be hidden by a retry on another hub.
        haproxy = Haproxy.start(hubs, dir.resolve("haproxy"), false);
        awaitAllUp();

        WebTestClient admin = HubProcess.adminClient(haproxy.apiUrl(), ADMIN_TOKEN);
        String publicKeyPem = admin.get().uri("/api/v1/hub").exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("publicKeyPem").asString();
        for (int i = 1; i <= 3; i++) {
            JsonNode registered = admin.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("name", "site-" + i, "endpoint", "tunnel://", "type", "docker", "capacity", 4))
                    .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
            String agentId = registered.get("agent").get("id").asString();
            tunnelAgents.add(agentId);
            agents.add(AgentProcess.start(agentId, AgentProcess.freePort(), publicKeyPem, dir.resolve("agent-" + i),
                    Map.of("CODEHUB_AGENT_HUB_URL", haproxy.tunnelUrl(),
                            "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString())));
        }
        int port = AgentProcess.freePort();
        agents.add(AgentProcess.startRegistered(admin, Map.of("name", "direct", "type", "docker", "capacity", 4),
                port, port, dir.resolve("agent-direct"), Map.of(), READY));
        for (AgentProcess agent : agents) {
            await().atMost(READY).pollInterval(Duration.ofMillis(250)).until(
                    () -> get(haproxy.apiUrl(), "/api/v1/agents/" + agent.agentId()).path("status").asString(""),
                    "active"::equals);
            JsonNode workspace = admin.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("name", "app-" + agent.agentId().substring(0, 8), "image", IMAGE,
                            "imagePullPolicy", "Never", "agentId", agent.agentId()))
                    .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
            workspaces.put(agent.agentId(), workspace.get("id").asString());
        }
        for (String workspace : workspaces.values()) {
            await().atMost(READY).pollInterval(Duration.ofMillis(500)).until(
                    () -> get(haproxy.apiUrl(), "/api/v1/workspaces/" + workspace).path("state").asString(""),
                    "RUNNING"::equals);
        }
    }

    @AfterAll
    static void stopEverything() throws Exception {
        agents.forEach(AgentProcess::close);
        workspaces.values().forEach(DockerCli::removeWorkspaces);
        if (haproxy != null) {
            haproxy.close();
        }
        hubs.forEach(HubProcess::close);
        if (databaseProxy != null) {
            databaseProxy.close();
        }
        if (database != null) {
            database.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    @Test
    @Order(1)
    void everyHubAnswersForEveryAgentAndReachesEveryWorkspaceThroughItsGateway() throws Exception {
        // The tunnel registry: every hub shows each tunnel agent connected, held by the same hub.
        for (String agent : tunnelAgents) {
            List<String> holders = new ArrayList<>();
            for (HubProcess hub : hubs) {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(
                        () -> get(hub.apiUrl(), "/api/v1/agents/" + agent).path("connection"),
                        connection -> "connected".equals(connection.path("state").asString(""))
                                && !connection.path("hub").asString("").isEmpty());
                holders.add(get(hub.apiUrl(), "/api/v1/agents/" + agent).path("connection").path("hub").asString());
            }
            assertThat(holders).as("the hub holding " + agent + ", as each hub sees it").containsOnly(holders.get(0));
        }
        // Events and metrics name the hub.
        JsonNode connected = get(hubs.get(0).apiUrl(), "/api/v1/events?agentId=" + tunnelAgents.get(0)
                + "&type=agent.connected&limit=1").path("items").get(0);
        assertThat(connected.path("detail").path("hub").asString("")).as("the hub in agent.connected")
                .isIn("hub-1", "hub-2", "hub-3");
        String metrics = hubs.get(1).adminClient().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics).containsPattern("codehub_build_info\\{[^}]*hub=\"hub-2\"");
        // An Agent API call (the workspace's upstream) and the bytes, from every hub's own gateway.
        for (HubProcess hub : hubs) {
            for (String workspace : workspaces.values()) {
                assertThat(hello(hub, workspace)).as(workspace + " through " + hub.hubId()).isEqualTo(200);
            }
        }
    }

    @Test
    @Order(2)
    void killingTheHubWithTheMostTunnelsMovesItsAgentsWithinSecondsAndRepeatsNoStep() throws Exception {
        Map<String, Long> perHub = tunnelAgents.stream().collect(Collectors.groupingBy(
                agent -> get(hubs.get(0).apiUrl(), "/api/v1/agents/" + agent).path("connection").path("hub")
                        .asString(), Collectors.counting()));
        String victimId = perHub.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        HubProcess victim = hubs.stream().filter(h -> h.hubId().equals(victimId)).findFirst().orElseThrow();
        List<HubProcess> survivors = hubs.stream().filter(h -> h != victim).toList();
        Map<String, Integer> stepsBefore = stepsPerWorkspace(survivors.get(0));

        // A GET in flight through a survivor to a workspace whose tunnel the victim holds: cut with
        // the victim's connections, unanswered, it is sent once more through the agent's new hub.
        String relayed = tunnelAgents.stream().filter(agent -> victimId.equals(heldBy(agent))).map(workspaces::get)
                .findFirst().orElseThrow();
        HubProcess caller = survivors.get(0);
        String token = token(caller.adminClient(), relayed);
        AtomicLong answeredAt = new AtomicLong();
        CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
            String answer = exchange(caller.gatewayPort(), relayed, token, "/delay?ms=3000");
            answeredAt.set(System.nanoTime());
            return answer;
        });
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !inFlight.isDone());

        long killed = System.nanoTime();
        victim.kill();
        await().atMost(FAILOVER_BOUND).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (HubProcess hub : survivors) {
                for (String workspace : workspaces.values()) {
                    if (hello(hub, workspace) != 200) {
                        return false;
                    }
                }
            }
            return true;
        });
        long millis = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("[figures] every workspace reachable through both surviving hubs " + millis
                + " ms after the kill of " + victimId + " (" + perHub.get(victimId) + " of " + tunnelAgents.size()
                + " tunnels)");
        String answer = inFlight.get(FAILOVER_BOUND.toSeconds() + 10, TimeUnit.SECONDS);
        System.out.println("[figures] a relayed GET in flight answered " + (answer.isEmpty() ? "nothing"
                : GatewayClient.status(answer)) + " " + (answeredAt.get() - killed) / 1_000_000 + " ms after its tunnel's hub was killed");
        assertThat(answer).as("the relayed GET in flight, sent again").startsWith("HTTP/1.1 200").endsWith("waited 3000 ms\n");

        for (String agent : tunnelAgents) {
            JsonNode connection = get(survivors.get(0).apiUrl(), "/api/v1/agents/" + agent).path("connection");
            assertThat(connection.path("hub").asString("")).as(agent + "'s hub").isNotEqualTo(victimId);
        }
        for (String workspace : workspaces.values()) {
            assertThat(get(survivors.get(1).apiUrl(), "/api/v1/workspaces/" + workspace).path("state").asString())
                    .isEqualTo("RUNNING");
        }
        assertThat(stepsPerWorkspace(survivors.get(1))).as("workspace state changes: none taken again")
                .isEqualTo(stepsBefore);

        victim.restart().awaitReady(READY);
        awaitAllUp();
    }

    @Test
    @Order(3)
    void aHubCutOffFromTheDatabaseGivesItsAgentsUpAndTheyMove() throws Exception {
        HubProcess cutOff = hubs.get(2);
        // Make sure hub-3 holds at least one tunnel: ask an agent held elsewhere to move there.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (tunnelAgents.stream().anyMatch(a -> heldBy(a).equals(cutOff.hubId()))) {
                return true;
            }
            String agent = tunnelAgents.get(0);
            HubProcess holder = hubs.stream().filter(h -> h.hubId().equals(heldBy(agent))).findFirst().orElseThrow();
            holder.adminClient().post().uri("/api/v1/agents/{id}/disconnect", agent).exchange();
            return false;
        });
        long cut = System.nanoTime();
        databaseProxy.cut();
        try {
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).until(() ->
                    tunnelAgents.stream().noneMatch(a -> heldBy(a).equals(cutOff.hubId()))
                            && tunnelAgents.stream().allMatch(a -> !heldBy(a).isEmpty()));
            System.out.println("[figures] agents of " + cutOff.hubId() + " moved " + (System.nanoTime() - cut) / 1_000_000
                    + " ms after its database connection was cut");
            for (HubProcess hub : hubs.subList(0, 2)) {
                for (String workspace : workspaces.values()) {
                    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                            .until(() -> hello(hub, workspace) == 200);
                }
            }
        } finally {
            databaseProxy.restore();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> readiness(cutOff) == 200);
    }

    @Test
    @Order(4)
    void aRollingRestartOfEveryHubUnderSteadyCallsFailsNone() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String workspace : workspaces.values()) {
            tokens.put(workspace, token(HubProcess.adminClient(haproxy.apiUrl(), ADMIN_TOKEN), workspace));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread load = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
            int round = 0;
            while (!stop.get() && System.nanoTime() < deadline) {
                String agent = tunnelAgents.get(round % tunnelAgents.size());
                String workspace = workspaces.get(agent);
                String what = "round " + round;
                try {
                    int api = HubProcess.adminClient(haproxy.apiUrl(), ADMIN_TOKEN).get().uri("/api/v1/agents/{id}", agent)
                            .exchange().expectBody(String.class).returnResult().getStatus().value();
                    if (api != 200) {
                        failures.add(what + ": GET agent " + api);
                    }
                    String answer = exchange(haproxy.port("gateway"), workspace, tokens.get(workspace), "/hello");
                    int gateway = answer.isEmpty() ? -1 : GatewayClient.status(answer);
                    if (gateway != 200) {
                        // the problem's detail says which hub refused and why
                        failures.add(what + ": gateway " + gateway + " " + answer.substring(answer.indexOf("\r\n\r\n") + 1).strip());
                    }
                } catch (RuntimeException | AssertionError e) {
                    failures.add(what + ": " + e);
                }
                calls.addAndGet(2);
                round++;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }, "cluster-it-load");
        load.start();
        try {
            for (HubProcess hub : hubs) {
                long started = System.nanoTime();
                assertThat(hub.terminate(Duration.ofSeconds(90))).as(hub.hubId() + " exits after SIGTERM").isTrue();
                long drained = System.nanoTime();
                hub.restart().awaitReady(READY);
                awaitAllUp();
                System.out.println("[figures] rolling restart: " + hub.hubId() + " drained and exited in "
                        + (drained - started) / 1_000_000 + " ms, back in " + (System.nanoTime() - drained) / 1_000_000
                        + " ms");
            }
        } finally {
            stop.set(true);
            load.join(TimeUnit.SECONDS.toMillis(30));
        }
        System.out.println("[figures] rolling restart of 3 hubs: " + calls.get() + " calls, " + failures.size()
                + " failed");
        if (!failures.isEmpty()) {
            // The whole logs stay for a look (the test's directory goes): target/cluster-it-logs/.
            Path kept = Files.createDirectories(Path.of("target", "cluster-it-logs"));
            Files.copy(haproxy.log(), kept.resolve("haproxy.log"), StandardCopyOption.REPLACE_EXISTING);
            for (HubProcess hub : hubs) {
                Files.copy(hub.log(), kept.resolve(hub.hubId() + ".log"), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.readAllLines(haproxy.log()).stream().filter(line -> line.matches(".* 50[0-9] .*"))
                    .forEach(line -> System.out.println("[haproxy] " + line));
            for (HubProcess hub : hubs) {
                Files.readAllLines(hub.log()).stream()
                        .filter(line -> line.matches(".* status=5[0-9][0-9] .*") || line.contains("WARN") || line.contains("ERROR"))
                        .forEach(line -> System.out.println("[" + hub.hubId() + "] " + line));
            }
        }
        assertThat(failures).as("calls that failed during the rolling restart").isEmpty();
        assertThat(calls.get()).isGreaterThan(100);
    }

    /** The hub holding {@code agent}'s tunnel as hub-1 sees it; empty when none does. */
    private static String heldBy(String agent) {
        JsonNode connection = get(hubs.get(0).apiUrl(), "/api/v1/agents/" + agent).path("connection");
        return "connected".equals(connection.path("state").asString("")) ? connection.path("hub").asString("") : "";
    }

    /** {@code GET /hello} of {@code workspace} through {@code hub}'s own gateway with a bearer token it minted. */
    private static int hello(HubProcess hub, String workspace) {
        try {
            return hello(hub.gatewayPort(), workspace, token(hub.adminClient(), workspace));
        } catch (RuntimeException | AssertionError e) {
            return -1;
        }
    }

    /** {@code GET /hello} of {@code workspace} through the gateway on {@code port}; -1 when no answer came. */
    private static int hello(int port, String workspace, String token) {
        return get(port, workspace, token, "/hello");
    }

    /** {@code GET path} of {@code workspace} through the gateway on {@code port}; -1 when no answer came. */
    private static int get(int port, String workspace, String token, String path) {
        String answer = exchange(port, workspace, token, path);
        return answer.isEmpty() ? -1 : GatewayClient.status(answer);
    }

    /** The raw answer to {@code GET path} of {@code workspace} through the gateway on {@code port}; empty when none came. */
    private static String exchange(int port, String workspace, String token, String path) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(40_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + workspace
                    + ".apps.localhost\r\nAuthorization: Bearer " + token + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // Connection: close, so the body ends with the connection
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** A bearer token for {@code workspace}'s gateway, minted through {@code admin}'s hub. */
    private static String token(WebTestClient admin, String workspace) {
        return admin.post().uri("/api/v1/workspaces/{id}/access", workspace)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("subject", "cluster-it"))
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody()
                .get("token").asString();
    }

    /** How many state changes each workspace went through, from the event history. */
    private static Map<String, Integer> stepsPerWorkspace(HubProcess hub) {
        Map<String, Integer> steps = new HashMap<>();
        for (String workspace : workspaces.values()) {
            JsonNode events = get(hub.apiUrl(), "/api/v1/events?workspaceId=" + workspace
                    + "&type=workspace.state-changed&limit=500");
            steps.put(workspace, events.path("items").size());
        }
        return steps;
    }

    private static int readiness(HubProcess hub) {
        return hub.adminClient().get().uri("/actuator/health/readiness").exchange().expectBody(String.class).returnResult()
                .getStatus().value();
    }

    private static JsonNode get(String baseUrl, String path) {
        return HubProcess.adminClient(baseUrl, ADMIN_TOKEN).get().uri(path).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private static void awaitAllUp() {
        Map<String, String> up = new HashMap<>();
        hubs.forEach(hub -> up.put(hub.hubId(), "UP"));
        for (String backend : List.of("tunnel_hubs", "api_hubs", "gateway_hubs")) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> haproxy.serverStates(backend), up::equals);
        }
    }
}
