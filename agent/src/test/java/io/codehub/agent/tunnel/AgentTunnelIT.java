package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.codehub.agent.TestHubKeys;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The real agent (Spring context, Docker runtime against the real dockerd) dialling an in-process
 * hub on 127.0.0.1; the hub sends Agent API requests and CONNECT streams over the tunnel, each
 * call carrying a hub-signed token as the hub's RemoteRuntime does.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class AgentTunnelIT {

    static final String AGENT_ID = "agent-tn";
    static final String API_KEY = "chk_" + AGENT_ID + "_" + "k".repeat(40) + "_-1";
    static final String PREFIX = "atn-";
    static final TestHubKeys KEYS = TestHubKeys.generate();
    static final FakeHub HUB = new FakeHub(AGENT_ID, API_KEY);
    /** httpd on the workspace's port 8080 and, as a dev server would, on its additional port 3000. */
    static final String SPEC = """
            {"image": "codehub/busybox:local", "imagePullPolicy": "Never", "ports": [3000],
             "command": ["sh", "-c", "httpd -p 3000 -h /home/coder && exec httpd -f -p 8080 -h /home/coder"]}""";

    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.agent.id", () -> AGENT_ID);
        registry.add("codehub.agent.hub-public-key", () -> KEYS.writePublicKey(dir).toString());
        registry.add("codehub.agent.archive-dir", () -> dir.resolve("archives").toString());
        registry.add("codehub.agent.hub-url", HUB::url);
        registry.add("codehub.agent.api-key", () -> API_KEY);
    }

    @LocalServerPort
    int directPort;

    @AfterEach
    void removeWorkspaces() {
        DockerCli.removeWorkspaces(PREFIX);
    }

    @AfterAll
    static void stopHub() throws Exception {
        try {
            DockerCli.removeWorkspaces(PREFIX);
        } finally {
            HUB.close();
        }
    }

    static String bearer() {
        return "Bearer " + KEYS.token(AGENT_ID, Instant.now().plusSeconds(120));
    }

    static FakeHub.Reply get(String path) throws Exception {
        return HUB.send("GET", path, bearer(), null, null, false);
    }

    @Test
    void servesTheAgentApiOverTheTunnel() throws Exception {
        FakeHub.Reply health = get("/health");
        assertThat(health.status()).as("%s", health).isEqualTo(200);
        assertThat(health.header("content-type")).startsWith("application/json");
        assertThat(health.json().get("status").asString()).isEqualTo("UP");
        assertThat(health.json().get("runtime").asString()).isEqualTo("docker");
        FakeHub.Reply probe = HUB.send("GET", "/actuator/health/liveness", null, null, null, false);
        assertThat(probe.status()).isEqualTo(200);
    }

    @Test
    void refusesACallWithoutATokenAsTheDirectDoorDoes() throws Exception {
        FakeHub.Reply reply = HUB.send("GET", "/volumes", null, null, null, false);
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.header("content-type")).startsWith("application/problem+json");
        assertThat(reply.header("www-authenticate")).startsWith("Bearer");
        assertThat(reply.json().get("type").asString()).endsWith("unauthorized");
        FakeHub.Reply wrongAudience = HUB.send("GET", "/volumes",
                "Bearer " + KEYS.token("another-agent", Instant.now().plusSeconds(60)), null, null, false);
        assertThat(wrongAudience.status()).isEqualTo(401);
    }

    @Test
    void refusesABodyOverTheLimitWith413WithOrWithoutADeclaredLength() throws Exception {
        byte[] big = ("{\"image\": \"codehub/busybox:local\", \"env\": {\"A\": \"" + "x".repeat(70_000) + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        for (boolean declared : new boolean[] {true, false}) {
            FakeHub.Reply reply = HUB.send("POST", "/instances/" + newWorkspace() + "/start", bearer(),
                    "application/json", big, declared);
            assertThat(reply.status()).as("declared length %s: %s", declared, reply).isEqualTo(413);
            assertThat(reply.json().get("type").asString()).endsWith("payload-too-large");
        }
        // The session survives, and the next call on it is served.
        assertThat(get("/health").status()).isEqualTo(200);
    }

    @Test
    void startsAWorkspaceAndRelaysAConnectStreamToItsUpstream() throws Exception {
        String ws = newWorkspace();
        FakeHub.Reply started = HUB.send("POST", "/instances/" + ws + "/start", bearer(), "application/json",
                SPEC.getBytes(StandardCharsets.UTF_8), true);
        assertThat(started.status()).as("%s", started).isEqualTo(200);
        assertThat(started.json().get("workspaceId").asString()).isEqualTo(ws);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> get("/instances/" + ws + "/status").json().get("state").asString().equals("running"));
        DockerCli.exec(ws, "echo 'served through the tunnel' > /home/coder/index.html");
        JsonNode upstream = get("/instances/" + ws + "/upstream").json();
        String authority = upstream.get("host").asString() + ":" + upstream.get("port").asInt();
        awaitHttpd(upstream);

        FakeHub.Reply relayed = HUB.connect(authority,
                "GET /index.html HTTP/1.0\r\nHost: ws\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(relayed.status()).isEqualTo(200);
        assertThat(relayed.text()).startsWith("HTTP/1.").contains("\r\n\r\nserved through the tunnel\n");

        // The additional port's upstream is a managed upstream too.
        JsonNode devServer = get("/instances/" + ws + "/upstream?port=3000").json();
        awaitHttpd(devServer);
        FakeHub.Reply relayedToDevServer = HUB.connect(
                devServer.get("host").asString() + ":" + devServer.get("port").asInt(),
                "GET /index.html HTTP/1.0\r\nHost: ws\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(relayedToDevServer.status()).isEqualTo(200);
        assertThat(relayedToDevServer.text()).startsWith("HTTP/1.").contains("\r\n\r\nserved through the tunnel\n");
    }

    @Test
    void refusesAConnectToAnythingButAManagedUpstream() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(HUB.connect("127.0.0.1:" + other.getLocalPort(), new byte[0]).status()).isEqualTo(403);
        }
        assertThat(HUB.connect("127.0.0.1:" + HUB.port(), new byte[0]).status()).isEqualTo(403);
        assertThat(HUB.connect("127.0.0.1:" + directPort, new byte[0]).status()).isEqualTo(403);
    }

    @Test
    void servesTheSameBytesAsTheDirectDoor() throws Exception {
        FakeHub.Reply tunnel = HUB.send("GET", "/openapi.yaml", null, null, null, false);
        HttpResponse<byte[]> direct = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + directPort + "/openapi.yaml"))
                        .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(tunnel.status()).isEqualTo(direct.statusCode()).isEqualTo(200);
        assertThat(tunnel.body()).hasSizeGreaterThan(16 * 1024).isEqualTo(direct.body());
        assertThat(tunnel.header("content-type")).isEqualTo(direct.headers().firstValue("content-type").orElseThrow());
    }

    @Test
    void servesConcurrentStreams() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<FakeHub.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                String path = i % 2 == 0 ? "/health" : "/instances?prefix=" + PREFIX;
                replies.add(callers.submit(() -> get(path)));
            }
            for (Future<FakeHub.Reply> reply : replies) {
                assertThat(reply.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void theDirectDoorStillServes() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + directPort + "/health"))
                        .header("Authorization", bearer()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"status\":\"UP\"");
    }

    static String newWorkspace() {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return PREFIX + HexFormat.of().formatHex(random);
    }

    /** httpd may need a moment after the container is running; the CONNECT test is not about that. */
    private static void awaitHttpd(JsonNode upstream) {
        InetSocketAddress address = new InetSocketAddress(upstream.get("host").asString(), upstream.get("port").asInt());
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(address, 2000);
                return true;
            }
        });
    }
}
